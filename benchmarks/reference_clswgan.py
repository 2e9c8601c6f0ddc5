"""The baseline of `benchmarks/perf`: an f-CLSWGAN training loop written the way public code writes it.

Not copied from any repository: written from how the public f-CLSWGAN
implementation (Xian et al., CVPR 2018) and the many ZSL repositories
derived from it structure their loop, so that the benchmark compares zslkit
with that style on the same model and the same numbers of steps:

* `sample()` per step: indices drawn on the host (NumPy; the original draws
  `torch.randperm(ntrain)[:batch]`, its descendants often NumPy), features
  gathered from host arrays, converted with `torch.from_numpy`, copied into
  preallocated batch tensors with `.copy_`, and labels mapped to 0..n_seen-1
  by a loop over the seen classes (`util.map_label`).
* critic steps: `requires_grad` switched on for every critic parameter; per
  step a new batch, the generator's forward recomputed (with its graph,
  then `.detach()`), and three separate critic forwards and backward calls:
  real (`backward(mone)`), fake (`backward(one)`), and the gradient penalty on
  interpolates with its own forward (`calc_gradient_penalty`); nothing is
  reused across critic steps.
* `.item()` on the losses every step (the public code logs D_cost,
  Wasserstein distance and G_cost; here they go into a list).
* the generator step switches the critic's `requires_grad` off, samples a
  new batch, and backpropagates -E[D(G(z, a), a)] + cls_weight * NLL of the
  fakes under the pre-trained classifier (Eq. 4 of the paper; `nn.NLLLoss` on
  the log-softmax outputs, the fakes labelled with the batch's mapped labels).
* that classifier, `LINEAR_LOGSOFTMAX` (Linear(D -> n_seen) then LogSoftmax,
  weights N(0, 0.02)), is trained in the constructor on the real seen features
  the way public `CLASSIFIER.fit` does (its own Adam with betas (beta1, 0.999),
  batches of 100 copied from host tensors through a `next_batch` that reshuffles
  at each epoch's end, 50 epochs in the public script), then frozen with
  `requires_grad = False`. Pre-training is not timed: only `train_iteration` is.

The models are f-CLSWGAN's `MLP_G`, `MLP_CRITIC` (4096 hidden units, LeakyReLU
0.2, in-place activations as in the public code) and `LINEAR_LOGSOFTMAX`;
`check_same_shapes` lets the benchmark verify they match zslkit's `mlpgen`,
`wgancritic` and `clsreg` (its frozen "seen_classifier"), the three plugins of
the `clswgan` preset.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import autograd, nn


class MLP_G(nn.Module):  # noqa: N801 - the public code's name
    def __init__(self, att_size: int, nz: int, ngh: int, res_size: int):
        super().__init__()
        self.fc1 = nn.Linear(att_size + nz, ngh)
        self.fc2 = nn.Linear(ngh, res_size)
        self.lrelu = nn.LeakyReLU(0.2, True)
        self.relu = nn.ReLU(True)

    def forward(self, noise, att):
        h = torch.cat((att, noise), 1)
        return self.relu(self.fc2(self.lrelu(self.fc1(h))))


class MLP_CRITIC(nn.Module):  # noqa: N801 - the public code's name
    def __init__(self, res_size: int, att_size: int, ndh: int):
        super().__init__()
        self.fc1 = nn.Linear(res_size + att_size, ndh)
        self.fc2 = nn.Linear(ndh, 1)
        self.lrelu = nn.LeakyReLU(0.2, True)

    def forward(self, x, att):
        h = torch.cat((x, att), 1)
        return self.fc2(self.lrelu(self.fc1(h)))


class LINEAR_LOGSOFTMAX(nn.Module):  # noqa: N801 - the public code's name
    def __init__(self, input_dim: int, nclass: int):
        super().__init__()
        self.fc = nn.Linear(input_dim, nclass)
        self.logic = nn.LogSoftmax(dim=1)

    def forward(self, x):
        return self.logic(self.fc(x))


def weights_init(m):
    if isinstance(m, nn.Linear):
        m.weight.data.normal_(0.0, 0.02)
        m.bias.data.fill_(0)


def map_label(label, classes):
    mapped_label = torch.LongTensor(label.size())
    for i in range(classes.size(0)):
        mapped_label[label == classes[i]] = i
    return mapped_label


class PretrainClassifier:
    """The seen-class softmax classifier of Eq. 4, trained once on real features (public `CLASSIFIER` style)."""

    def __init__(self, train_x, train_y, nclass: int, input_dim: int, device, lr: float = 0.001,
                 beta1: float = 0.5, nepoch: int = 50, batch_size: int = 100):
        self.train_x, self.train_y = train_x, train_y
        self.ntrain, self.batch_size, self.nepoch = train_x.size(0), batch_size, nepoch
        self.model = LINEAR_LOGSOFTMAX(input_dim, nclass).to(device)
        self.model.apply(weights_init)
        self.criterion = nn.NLLLoss()
        self.input = torch.FloatTensor(batch_size, input_dim).to(device)
        self.label = torch.LongTensor(batch_size).to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=lr, betas=(beta1, 0.999))
        self.index_in_epoch, self.epochs_completed = 0, 0
        self.fit()

    def fit(self):
        for _ in range(self.nepoch):
            for _ in range(0, self.ntrain, self.batch_size):
                self.model.zero_grad()
                batch_input, batch_label = self.next_batch(self.batch_size)
                self.input.copy_(batch_input)
                self.label.copy_(batch_label)
                loss = self.criterion(self.model(self.input), self.label)
                loss.backward()
                self.optimizer.step()

    def next_batch(self, batch_size):
        start = self.index_in_epoch
        if self.epochs_completed == 0 and start == 0:
            self.shuffle()
        if start + batch_size <= self.ntrain:
            self.index_in_epoch += batch_size
            return self.train_x[start:start + batch_size], self.train_y[start:start + batch_size]
        self.epochs_completed += 1  # the batch runs over the epoch's end: the rest, then the next permutation
        rest_x, rest_y = self.train_x[start:], self.train_y[start:]
        self.shuffle()
        self.index_in_epoch = batch_size - rest_x.size(0)
        return (torch.cat((rest_x, self.train_x[:self.index_in_epoch]), 0),
                torch.cat((rest_y, self.train_y[:self.index_in_epoch]), 0))

    def shuffle(self):
        perm = torch.randperm(self.ntrain)
        self.train_x, self.train_y = self.train_x[perm], self.train_y[perm]


class ReferenceCLSWGAN:
    """The public-style loop on a task's arrays; `train_iteration()` is one generator iteration."""

    def __init__(self, task, *, hidden: int = 4096, nz: int = 100, batch_size: int = 64, critic_iter: int = 5,
                 lr: float = 1e-4, betas=(0.5, 0.9), lambda1: float = 10.0, cls_weight: float = 0.01,
                 cls_epochs: int = 50, cls_lr: float = 0.001, cls_beta1: float = 0.5, cls_batch_size: int = 100,
                 device="cpu", seed: int = 0):
        torch.manual_seed(seed)
        np.random.seed(seed)
        self.device = torch.device(device)
        self.train_feature = np.ascontiguousarray(task.train_x, dtype=np.float32)
        self.train_label = np.asarray(task.train_y, dtype=np.int64)
        self.attribute = torch.from_numpy(np.ascontiguousarray(task.attributes, dtype=np.float32))
        self.seenclasses = torch.from_numpy(np.asarray(task.seen_classes, dtype=np.int64))
        self.ntrain = self.train_feature.shape[0]
        res_size, att_size = self.train_feature.shape[1], self.attribute.shape[1]
        self.batch_size, self.critic_iter, self.lambda1, self.nz = batch_size, critic_iter, lambda1, nz
        self.netG = MLP_G(att_size, nz, hidden, res_size).to(self.device)
        self.netD = MLP_CRITIC(res_size, att_size, hidden).to(self.device)
        self.netG.apply(weights_init)
        self.netD.apply(weights_init)
        self.input_res = torch.FloatTensor(batch_size, res_size).to(self.device)
        self.input_att = torch.FloatTensor(batch_size, att_size).to(self.device)
        self.input_label = torch.LongTensor(batch_size).to(self.device)
        self.noise = torch.FloatTensor(batch_size, nz).to(self.device)
        self.one = torch.tensor(1, dtype=torch.float, device=self.device)
        self.mone = self.one * -1
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), lr=lr, betas=betas)
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), lr=lr, betas=betas)
        # train a classifier on seen classes (theta of Eq. 4), then freeze it
        self.cls_weight = cls_weight
        self.cls_criterion = nn.NLLLoss()
        pretrain = PretrainClassifier(torch.from_numpy(self.train_feature),
                                      map_label(torch.from_numpy(self.train_label), self.seenclasses),
                                      self.seenclasses.size(0), res_size, self.device, cls_lr, cls_beta1,
                                      cls_epochs, cls_batch_size)
        self.pretrain_cls = pretrain.model
        for p in self.pretrain_cls.parameters():
            p.requires_grad = False
        self.log = []

    def next_batch(self):
        idx = np.random.permutation(self.ntrain)[0:self.batch_size]
        batch_feature = torch.from_numpy(self.train_feature[idx])
        batch_label = torch.from_numpy(self.train_label[idx])
        batch_att = self.attribute[batch_label]
        return batch_feature, batch_label, batch_att

    def sample(self):
        batch_feature, batch_label, batch_att = self.next_batch()
        self.input_res.copy_(batch_feature)
        self.input_att.copy_(batch_att)
        self.input_label.copy_(map_label(batch_label, self.seenclasses))

    def calc_gradient_penalty(self, real_data, fake_data, input_att):
        alpha = torch.rand(self.batch_size, 1, device=self.device)
        alpha = alpha.expand(real_data.size())
        interpolates = alpha * real_data + ((1 - alpha) * fake_data)
        interpolates.requires_grad_(True)
        disc_interpolates = self.netD(interpolates, input_att)
        ones = torch.ones(disc_interpolates.size(), device=self.device)
        gradients = autograd.grad(outputs=disc_interpolates, inputs=interpolates, grad_outputs=ones,
                                  create_graph=True, retain_graph=True, only_inputs=True)[0]
        return ((gradients.norm(2, dim=1) - 1) ** 2).mean() * self.lambda1

    def critic_step(self):
        self.sample()
        self.netD.zero_grad()
        criticD_real = self.netD(self.input_res, self.input_att).mean()
        criticD_real.backward(self.mone)
        self.noise.normal_(0, 1)
        fake = self.netG(self.noise, self.input_att)
        criticD_fake = self.netD(fake.detach(), self.input_att).mean()
        criticD_fake.backward(self.one)
        gradient_penalty = self.calc_gradient_penalty(self.input_res, fake.data, self.input_att)
        gradient_penalty.backward()
        wasserstein_d = criticD_real - criticD_fake
        d_cost = criticD_fake - criticD_real + gradient_penalty
        self.optimizerD.step()
        self.log.append((d_cost.item(), wasserstein_d.item()))

    def generator_step(self):
        self.netG.zero_grad()
        self.sample()
        self.noise.normal_(0, 1)
        fake = self.netG(self.noise, self.input_att)
        g_cost = -self.netD(fake, self.input_att).mean()
        c_err_g = self.cls_criterion(self.pretrain_cls(fake), self.input_label)  # classification loss, Eq. 4
        err_g = g_cost + self.cls_weight * c_err_g
        err_g.backward()
        self.optimizerG.step()
        self.log.append((g_cost.item(), c_err_g.item()))

    def train_iteration(self):
        for p in self.netD.parameters():
            p.requires_grad = True
        for _ in range(self.critic_iter):
            self.critic_step()
        for p in self.netD.parameters():
            p.requires_grad = False
        self.generator_step()


def check_same_shapes(reference: ReferenceCLSWGAN, generator: nn.Module, critic: nn.Module,
                      classifier: nn.Module | None = None) -> None:
    """Raise if the reference's Linear layers differ from zslkit's modules (same model, same FLOPs).

    `classifier` is zslkit's frozen seen-class classifier (clsreg's "seen_classifier" slot), compared with
    the reference's pre-trained `LINEAR_LOGSOFTMAX`; None compares the generator and critic only.
    """
    def shapes(module):
        return sorted((m.in_features, m.out_features) for m in module.modules() if isinstance(m, nn.Linear))

    pairs = [(reference.netG, generator, "generator"), (reference.netD, critic, "critic")]
    if classifier is not None:
        pairs.append((reference.pretrain_cls, classifier, "classifier"))
    for mine, theirs, what in pairs:
        if shapes(mine) != shapes(theirs):
            raise ValueError(f"reference {what} layers {shapes(mine)} differ from zslkit's {shapes(theirs)}")
