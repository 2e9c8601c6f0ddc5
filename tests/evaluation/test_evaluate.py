"""evaluate_generative: the protocol end to end on tiny synthetic features."""

import subprocess
import sys

import pytest
import torch

from zslkit.errors import ConfigError
from zslkit.evaluation.evaluate import evaluate_generative, resolve_syn_per_class
from zslkit.settings import ClassifierConfig

KEYS = ["T1", "U", "S", "H", "cs_gamma", "cs_U", "cs_S", "cs_H", "AUSUC", "classifier", "n_syn_per_class"]
SEEN, UNSEEN = torch.tensor([4, 0, 2]), torch.tensor([1, 3])  # global ids, deliberately unordered


def features(classes, n, seed, scale=0.3):
    """Class c lies along axis c (+ noise): cosine- and linearly separable."""
    g = torch.Generator().manual_seed(seed)
    y = classes.repeat_interleave(n)
    return torch.eye(5, 16)[y] * 3 + scale * torch.randn(y.numel(), 16, generator=g), y


def separable_inputs(syn_classes=UNSEEN, n_syn=30):
    train_x, train_y = features(SEEN, 40, 0)
    syn_x, syn_y = features(syn_classes, n_syn, 1)
    ts_x, ts_y = features(SEEN, 10, 2)
    tu_x, tu_y = features(UNSEEN, 10, 3)
    return dict(train_x=train_x, train_y=train_y, syn_x=syn_x, syn_y=syn_y, test_seen_x=ts_x, test_seen_y=ts_y,
                test_unseen_x=tu_x, test_unseen_y=tu_y, seen_classes=SEEN, unseen_classes=UNSEEN)


@pytest.mark.parametrize("kind", ["softmax", "knn"])
def test_separable_problem_is_solved_by_both_classifiers(kind):
    torch.manual_seed(0)
    r = evaluate_generative(**separable_inputs(), config=ClassifierConfig(kind=kind, epochs=10))
    assert list(r) == KEYS
    assert r["classifier"] == kind and r["n_syn_per_class"] == 30
    for key in ("T1", "U", "S", "H", "cs_U", "cs_S", "cs_H"):
        assert type(r[key]) is float and r[key] == pytest.approx(100.0), key
    assert r["AUSUC"] == pytest.approx(1.0) and type(r["cs_gamma"]) is float


def biased_inputs():
    """Unseen test features lean towards seen class 0: GZSL loses them, ZSL does not."""
    inputs = separable_inputs()
    e = torch.eye(5, 16)
    inputs["test_unseen_x"] = e[0] + 0.3 * e[inputs["test_unseen_y"]]
    return inputs


def test_t1_is_among_unseen_classes_and_calibration_recovers_u():
    r = evaluate_generative(**biased_inputs(), config=ClassifierConfig(kind="knn"))
    assert r["T1"] == pytest.approx(100.0)
    assert r["U"] == 0.0 and r["H"] == 0.0 and r["S"] == pytest.approx(100.0)
    assert r["cs_gamma"] > 0 and r["cs_H"] == pytest.approx(100.0)


def test_given_gamma_is_applied_not_chosen():
    r = evaluate_generative(**biased_inputs(), config=ClassifierConfig(kind="knn"), gamma=0.0)
    assert r["cs_gamma"] == 0.0
    assert (r["cs_U"], r["cs_S"], r["cs_H"]) == (r["U"], r["S"], r["H"])


def test_empty_seen_test_set_gives_none_not_a_crash():
    inputs = separable_inputs()
    inputs["test_seen_x"], inputs["test_seen_y"] = inputs["test_seen_x"][:0], inputs["test_seen_y"][:0]
    r = evaluate_generative(**inputs, config=ClassifierConfig(kind="knn"))
    assert r["T1"] == pytest.approx(100.0) and r["U"] == pytest.approx(100.0)
    assert all(r[k] is None for k in ("S", "H", "cs_gamma", "cs_U", "cs_S", "cs_H", "AUSUC"))


def test_seen_classes_from_synthetic_features():
    inputs = separable_inputs(syn_classes=torch.cat([SEEN, UNSEEN]))
    inputs["train_x"] = inputs["train_x"] * float("nan")  # must not be used
    r = evaluate_generative(**inputs, config=ClassifierConfig(kind="knn", seen_source="synthetic"))
    assert r["H"] == pytest.approx(100.0)
    with pytest.raises(ValueError, match="no synthetic features of the seen classes"):
        evaluate_generative(**separable_inputs(), config=ClassifierConfig(kind="knn", seen_source="synthetic"))


def test_foreign_test_label_is_rejected():
    inputs = separable_inputs()
    inputs["test_unseen_y"] = inputs["test_unseen_y"].clone()
    inputs["test_unseen_y"][0] = 4  # a seen class in the unseen test set
    with pytest.raises(ValueError, match="not among the classes"):
        evaluate_generative(**inputs, config=ClassifierConfig(kind="knn"))


def test_deterministic_under_a_seed():
    def run():
        torch.manual_seed(3)
        return evaluate_generative(**biased_inputs(), config=ClassifierConfig(epochs=2, batch_size=16))

    assert run() == run()


@pytest.mark.parametrize("key,value,expected", [("kind", "svm", "classifier.kind = 'svm'"),
                                                ("seen_source", "both", "classifier.seen_source = 'both'")])
def test_bad_config_is_a_one_line_config_error(key, value, expected):
    with pytest.raises(ConfigError, match=expected) as err:
        evaluate_generative(**separable_inputs(), config=ClassifierConfig(**{key: value}))
    assert "\n" not in str(err.value)


def test_syn_per_class_defaults():
    assert resolve_syn_per_class(ClassifierConfig(kind="softmax")) == 300
    assert resolve_syn_per_class(ClassifierConfig(kind="knn")) == 60
    assert resolve_syn_per_class(ClassifierConfig(kind="knn", syn_per_class=7)) == 7


def test_metric_modules_do_not_import_torch():
    code = ("import sys, zslkit.evaluation.evaluate, zslkit.evaluation.calibration; "
            "sys.exit('torch' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
