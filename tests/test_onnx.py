"""nn.onnx.export: the file passes onnx's checker and onnxruntime gives our outputs."""
from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autograd import Tensor, stack

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _run(path, x: np.ndarray) -> list[np.ndarray]:
    return ort.InferenceSession(str(path)).run(None, {"input": x})


def _mlp() -> nn.Sequential:
    f32 = dict(dtype=np.float32)
    return nn.Sequential(nn.Linear(4, 8, rng=0, **f32), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(8, 8, rng=1, **f32), nn.Tanh(), nn.LeakyReLU(0.2),
                         nn.Sigmoid(), nn.Identity(), nn.Flatten(), nn.Linear(8, 3, rng=2, **f32),
                         nn.Softmax(-1), nn.LogSoftmax(-1))


class Net(nn.Model):
    """A forward of its own: traced through the primitives, layers kept whole."""

    def __init__(self) -> None:
        self.a, self.b = nn.Linear(4, 6, rng=0), nn.Linear(12, 2, rng=1)
        self.seq = nn.Sequential(nn.Linear(4, 6, rng=3), nn.Sigmoid())

    def forward(self, x):
        h = self.a(x).relu()
        c = _cat([h * 2.0, self.seq(x) - h.mean(axis=1, keepdims=True)])
        out = self.b(c).reshape(-1, 2, 1).permute(0, 2, 1).reshape(x.shape[0], 2)
        ratio = out.sum(1, keepdims=True) / (1.0 + out.amax(axis=1, keepdims=True).exp())
        return (out[:, :1].exp() + ratio - out.amin(1, keepdims=True).tanh()
                + out.logsumexp(1, keepdims=True) + (out * out).sqrt().leaky_relu(0.1)[:, 1:]
                - out.log_softmax(-1)[:, ::-1])


def _cat(xs):
    from autograd.tensor import concatenate
    return concatenate(xs, axis=1)


def test_mlp_runs_in_onnxruntime_with_our_outputs_at_two_batch_sizes(tmp_path):
    model, path = _mlp(), tmp_path / "mlp.onnx"
    rng = np.random.default_rng(0)
    nn.onnx.export(model, rng.normal(size=(5, 4)).astype(np.float32), path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    assert set(model.state_dict()) <= {i.name for i in proto.graph.initializer}
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.ir_version == 8  # opset 17's own: older onnxruntime builds load the file too
    for batch in (5, 2):
        x = rng.normal(size=(batch, 4)).astype(np.float32)
        (got,) = _run(path, x)
        np.testing.assert_allclose(got, model.predict(x), atol=1e-5, rtol=1e-5)
    assert model.training and list(tmp_path.iterdir()) == [path]  # mode restored, no temp


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**16))
def test_traced_forward_matches_for_drawn_inputs(batch, seed):
    import tempfile
    model = Net()
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/net.onnx"
        nn.onnx.export(model, np.ones((3, 4), np.float32), path)
        x = np.random.default_rng(seed).normal(size=(batch, 4)).astype(np.float32)
        (got,) = _run(path, x)
        names = {i.name for i in onnx.load(path).graph.initializer}
    np.testing.assert_allclose(got, model.predict(x.astype(np.float64)), atol=1e-5, rtol=1e-4)
    assert set(model.state_dict()) <= names  # parameters keep their state_dict names


def test_fixed_batch_when_not_dynamic(tmp_path):
    path = tmp_path / "m.onnx"
    nn.onnx.export(_mlp(), np.zeros((3, 4), np.float32), path, dynamic_batch=False,
                   input_names=["input"], output_names=["probs"])
    proto = onnx.load(path)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 3
    assert [o.name for o in proto.graph.output] == ["probs"]


class Stacked(nn.Module):
    def forward(self, x):
        return stack([x, x], axis=0)


def test_unmapped_primitive_is_named(tmp_path):
    with pytest.raises(ValueError, match="primitive 'stack'"):
        nn.onnx.export(Stacked(), np.zeros((2, 3), np.float32), tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())


class Total(nn.Module):
    def forward(self, x):
        return x.sum().item()


def test_module_whose_forward_gives_no_tensor_is_named(tmp_path):
    with pytest.raises(ValueError, match="module 'Total'"):
        nn.onnx.export(Total(), np.zeros((1, 2)), tmp_path / "m.onnx")


def test_missing_onnx_names_the_extra(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "onnx", None)
    with pytest.raises(ImportError, match=r'pip install "autograd-nn\[interop\]"'):
        nn.onnx.export(_mlp(), np.zeros((1, 4), np.float32), tmp_path / "m.onnx")


# ------------------------------------------------ entries for layers, checked on torch's own
def _against_torch(module, x, path) -> None:
    torch = pytest.importorskip("torch")
    module.eval()
    nn.onnx.export(module, x, path)
    for batch in (x.shape[0], 1):
        got = _run(path, x[:batch])
        with torch.no_grad():
            want = module(torch.from_numpy(x[:batch]))
        if not isinstance(want, torch.Tensor):  # (output, h_n) or (output, (h_n, c_n))
            want = [want[0], *([want[1]] if isinstance(want[1], torch.Tensor) else want[1])]
        else:
            want = [want]
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w.numpy(), atol=1e-5, rtol=1e-5)


def test_conv_pool_batchnorm_entries_match_torch(tmp_path):
    torch = pytest.importorskip("torch")
    tn = torch.nn
    torch.manual_seed(0)
    bn = tn.BatchNorm2d(6)
    bn.running_mean.normal_(), bn.running_var.uniform_(0.5, 2.0)
    model = tn.Sequential(
        tn.Conv2d(3, 6, 3, stride=2, padding=1, groups=3), bn, tn.ReLU(), tn.MaxPool2d(2),
        tn.ConvTranspose2d(6, 4, 3, stride=2, padding=1, output_padding=1, groups=2),
        tn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
        tn.Conv2d(4, 4, 4, padding="same"), tn.AdaptiveAvgPool2d(1), tn.Flatten(),
        tn.Linear(4, 2))
    x = np.random.default_rng(0).normal(size=(4, 3, 9, 9)).astype(np.float32)
    _against_torch(model, x, tmp_path / "cnn.onnx")


def test_conv1d_layernorm_embedding_entries_match_torch(tmp_path):
    torch = pytest.importorskip("torch")
    tn = torch.nn
    torch.manual_seed(0)
    bn = tn.BatchNorm1d(5)
    bn.running_mean.normal_(), bn.running_var.uniform_(0.5, 2.0)
    model = tn.Sequential(tn.Conv1d(3, 5, 3, padding=2, dilation=2), bn, tn.LayerNorm(10),
                          tn.Flatten(), tn.Linear(50, 3), tn.LogSoftmax(dim=1))
    x = np.random.default_rng(0).normal(size=(4, 3, 10)).astype(np.float32)
    _against_torch(model, x, tmp_path / "c1.onnx")
    emb = tn.Sequential(tn.Embedding(10, 4), tn.Flatten())
    _against_torch(emb, np.array([[1, 2, 3], [4, 5, 9]], np.int64), tmp_path / "emb.onnx")


@pytest.mark.parametrize("kind", ["LSTM", "GRU", "RNN"])
@pytest.mark.parametrize("options", [dict(batch_first=True),
                                     dict(num_layers=2, bidirectional=True),
                                     dict(num_layers=2, batch_first=True, bidirectional=True)],
                         ids=["batch_first", "2layers_bidir", "2layers_bidir_batch_first"])
def test_recurrent_entries_match_torch(tmp_path, kind, options):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    module = getattr(torch.nn, kind)(4, 6, **options)
    x = np.random.default_rng(0).normal(size=(3, 5, 4)).astype(np.float32)
    _against_torch(module, x, tmp_path / "rnn.onnx")


# ------------------------------------------------ our own conv, norm, recurrent layers
def _against_ours(model, x, path, batches=(4, 1)) -> None:
    """onnxruntime gives our float32 outputs at two batch sizes (the batch axis dynamic)."""
    model.eval()
    nn.onnx.export(model, x, path)
    proto = onnx.load(path)
    onnx.checker.check_model(proto)
    for batch in batches:
        (got, *_) = _run(path, x[:batch])
        want = model(Tensor(x[:batch])).data
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-5, rtol=1e-5)
    return {node.op_type for node in proto.graph.node}


def _digits(*middle, channels=16, flat=256) -> nn.Sequential:
    f32 = dict(dtype=np.float32)
    return nn.Sequential(nn.Conv2d(1, channels, 3, padding=1, rng=0, **f32), *middle,
                         nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(flat, 10, rng=1,
                                                                               **f32))


def _images(batch=4, size=8):
    return np.random.default_rng(0).normal(size=(batch, 1, size, size)).astype(np.float32)


def test_our_digits_cnn_matches(tmp_path):
    ops = _against_ours(_digits(), _images(), tmp_path / "cnn.onnx")
    assert {"Conv", "MaxPool"} <= ops


def test_our_cnn_with_batchnorm_and_average_pools_matches(tmp_path):
    bn = nn.BatchNorm2d(16, dtype=np.float32)
    rng = np.random.default_rng(1)
    bn.running_mean[...] = rng.normal(size=16)
    bn.running_var[...] = rng.uniform(0.5, 2.0, size=16)
    bn.weight.data[...] = rng.normal(size=16)
    f32 = dict(dtype=np.float32)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=0, **f32), bn, nn.ReLU(),
                          nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False),
                          nn.MaxPool2d(2), nn.Conv2d(16, 8, 3, stride=2, rng=2, **f32),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10, rng=1, **f32))
    ops = _against_ours(model, _images(size=10), tmp_path / "bn.onnx")
    assert {"BatchNormalization", "AveragePool", "GlobalAveragePool"} <= ops


class Classifier(nn.Module):
    """A recurrent layer over (batch, seq, features), a Linear head on the last step."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.rnn = getattr(nn, kind)(6, 5, batch_first=True, rng=0, dtype=np.float32)
        self.head = nn.Linear(5, 3, rng=1, dtype=np.float32)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out[:, -1])


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_our_recurrent_classifiers_match(tmp_path, kind):
    x = np.random.default_rng(0).normal(size=(4, 7, 6)).astype(np.float32)
    assert kind in _against_ours(Classifier(kind), x, tmp_path / "rnn.onnx")  # the layer's entry


class Tagger(nn.Module):
    """Embedding, LayerNorm over the features, a Linear head on the mean over tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = nn.Embedding(12, 6, rng=0, dtype=np.float32)
        self.norm = nn.LayerNorm(6, dtype=np.float32)
        self.head = nn.Linear(6, 2, rng=1, dtype=np.float32)

    def forward(self, ids):
        return self.head(self.norm(self.emb(ids)).mean(axis=1))


def test_our_embedding_layernorm_model_matches(tmp_path):
    model, path = Tagger(), tmp_path / "emb.onnx"
    model.norm.weight.data[...] = np.linspace(0.5, 2, 6)
    ids = np.random.default_rng(0).integers(0, 12, (4, 5))
    nn.onnx.export(model, ids, path)
    for batch in (4, 2):
        (got,) = ort.InferenceSession(str(path)).run(None, {"input": ids[:batch]})
        np.testing.assert_allclose(got, model(ids[:batch]).data, atol=1e-5, rtol=1e-5)
