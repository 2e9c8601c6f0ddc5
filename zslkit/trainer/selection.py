"""Model selection: which evaluation's numbers a run reports, and how they were chosen.

- validation (default): the number of iterations for ZSL (best T1) and for GZSL
  (best H), and the calibration gamma, are chosen on the validation split; the
  model is retrained on train+val and evaluated on test at exactly those
  iterations. No test label influences any choice.
- test: the published practice; the best T1 and the best H over all test
  evaluations are reported, and every result is labelled test-selected.
- last: no selection; the last evaluation is reported.
"""

from __future__ import annotations

MODES = ("validation", "test", "last")
GZSL_KEYS = ("U", "S", "H", "cs_gamma", "cs_U", "cs_S", "cs_H", "AUSUC")


def _best(history: list[dict], key: str) -> dict:
    """The earliest evaluation with the highest `key` (None counts as lowest)."""
    scored = [r for r in history if r.get(key) is not None]
    if not scored:
        return history[-1]
    return max(scored, key=lambda r: (r[key], -r["step"]))


def choose_on_validation(history: list[dict]) -> dict:
    """Steps and calibration to reuse in the final phase (from validation numbers only)."""
    best_t1, best_h = _best(history, "T1"), _best(history, "H")
    return {"T1_step": best_t1["step"], "H_step": best_h["step"], "gamma": best_h.get("cs_gamma"),
            "validation": {"T1": best_t1["T1"], **{k: best_h.get(k) for k in GZSL_KEYS}}}


def final_eval_steps(choice: dict) -> set[int]:
    return {choice["T1_step"], choice["H_step"]}


def report(history: list[dict], mode: str, choice: dict | None = None) -> dict:
    """The numbers a run reports, with the step each came from."""
    if mode == "validation":
        by_step = {r["step"]: r for r in history}
        zsl, gzsl = by_step[choice["T1_step"]], by_step[choice["H_step"]]
    elif mode == "test":
        zsl, gzsl = _best(history, "T1"), _best(history, "H")
    else:
        zsl = gzsl = history[-1]
    result = {"T1": zsl["T1"], **{k: gzsl.get(k) for k in GZSL_KEYS}}
    result["steps"] = {"T1": zsl["step"], "H": gzsl["step"]}
    result["classifier"] = gzsl.get("classifier")
    result["selection"] = mode
    result["test_selected"] = mode == "test"
    result["extra"] = dict(gzsl.get("extra", {}))
    return result
