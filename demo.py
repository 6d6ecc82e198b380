"""The main job: train the tutorial models, print measured against published numbers, and
write the plots and a drawn graph to an output folder.

example:
    python demo.py --out out

This writes iris_loss.png, xor_boundary.png, trapezoid_fit.png, digits_history.png and
neuron_graph.svg to out/. Each task follows a notebook in notebooks/ (which explains the
choices); this script only runs them, with progress bars, in well under two minutes on two
cores.
"""
from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits, load_iris, make_moons  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from tqdm.auto import trange  # noqa: E402

import nn  # noqa: E402
import nn.functional as F  # noqa: E402
from autograd import Tensor, Value, no_grad  # noqa: E402
from autograd.viz import draw_dot  # noqa: E402

Row = tuple[str, str, str, str]  # task, metric, measured, published


def save(fig: plt.Figure, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def iris(out: Path) -> Row:
    """Seed 000: logistic regression on the first 100 Iris flowers, SGD lr 0.001, 1000 epochs."""
    data = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data[:100], data.target[:100].astype(float), test_size=0.2, random_state=42)
    model = nn.Linear(4, 1)
    rng = np.random.default_rng(0)
    nn.init.uniform_(model.weight, 0.0, 1.0, rng=rng)  # the article's U[0, 1) start
    nn.init.uniform_(model.bias, 0.0, 1.0, rng=rng)
    opt = nn.optim.SGD(model.parameters(), lr=0.001)
    losses = []
    for _ in trange(1000, desc="iris logistic regression", leave=False):
        loss = F.binary_cross_entropy(model(X_train).sigmoid(), y_train[:, None])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    with no_grad():
        accuracy = np.mean((model(X_test).sigmoid().numpy()[:, 0] >= 0.5) == (y_test == 1))
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(losses)
    ax.set(xlabel="epoch", ylabel="binary cross-entropy", title="Iris, 2 classes: training loss")
    save(fig, out / "iris_loss.png")
    return "Iris logistic regression (seed 000)", "test accuracy", f"{accuracy:.2f}", "1.0"


def xor_net(hidden: int, std: float, optimizer: str, lr: float, seed: int, epochs: int):
    """A 2-hidden-1 sigmoid network trained full batch on XOR with MSE; returns its outputs."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    Y = np.array([[0], [1], [1], [0]], dtype=float)
    rng = np.random.default_rng(seed)
    params = [nn.Parameter(rng.normal(0, std, (2, hidden))), nn.Parameter(np.zeros(hidden)),
              nn.Parameter(rng.normal(0, std, (hidden, 1))), nn.Parameter(np.zeros(1))]
    w1, b1, w2, b2 = params
    opt = (nn.optim.SGD if optimizer == "sgd" else nn.optim.Adam)(params, lr=lr)
    for _ in trange(epochs, desc=f"xor 2-{hidden}-1 {optimizer}", leave=False):
        loss = F.mse_loss(((X @ w1 + b1).sigmoid() @ w2 + b2).sigmoid(), Y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with no_grad():
        return ((X @ w1 + b1).sigmoid() @ w2 + b2).sigmoid().numpy()[:, 0], params


def xor(out: Path) -> list[Row]:
    """Seed 001: the article's 2-3-1 net (N(0, 0.1²), lr 0.1, 10,000 epochs), then a fix."""
    article, _ = xor_net(3, 0.1, "sgd", 0.1, seed=0, epochs=10_000)
    fixed, params = xor_net(8, 1.0, "adam", 0.01, seed=0, epochs=2_000)
    target = np.array([0, 1, 1, 0])
    grid = np.stack(np.meshgrid(np.linspace(-0.5, 1.5, 101), np.linspace(-0.5, 1.5, 101)), -1)
    w1, b1, w2, b2 = params
    with no_grad():
        surface = ((grid.reshape(-1, 2) @ w1 + b1).sigmoid() @ w2 + b2).sigmoid().numpy()
    fig, ax = plt.subplots(figsize=(4, 3.5))
    contour = ax.contourf(grid[..., 0], grid[..., 1], surface.reshape(101, 101), 20, cmap="RdBu_r")
    ax.scatter([0, 0, 1, 1], [0, 1, 0, 1], c=target, cmap="RdBu_r", edgecolors="k", s=120)
    fig.colorbar(contour, label="network output")
    ax.set(xlabel="x1", ylabel="x2", title="XOR, 2-8-1 sigmoid net, Adam")
    save(fig, out / "xor_boundary.png")

    def learned(outputs: np.ndarray) -> str:
        verdict = "learned" if np.all((outputs > 0.5) == target) else "not learned"
        return f"{verdict}: {np.array2string(outputs, precision=2)}"
    return [("XOR, article's 2-3-1 net (seed 001)", "outputs for 00, 01, 10, 11",
             learned(article), "not reported"),
            ("XOR, 2-8-1 with N(0, 1) init and Adam", "outputs for 00, 01, 10, 11",
             learned(fixed), "n/a")]


def trapezoid(out: Path) -> Row:
    """Seed 004: the 1-32-32-16-16-1 sigmoid/tanh net, minibatch Adam for 250 epochs."""
    def target(x):
        return np.clip(np.minimum((x - 2.0) / 2.0, (8.0 - x) / 2.0), 0.0, 1.0)
    rng = np.random.default_rng(0)
    x_train, x_test = rng.uniform(0, 10, (500, 1)), rng.uniform(0, 10, (200, 1))
    y_train, y_test = target(x_train), target(x_test)
    gen = np.random.default_rng(0)
    sizes, layers = [1, 32, 32, 16, 16, 1], []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(n_in, n_out, rng=gen)
        nn.init.normal_(linear.weight, rng=gen)
        nn.init.normal_(linear.bias, rng=gen)
        layers += [linear, nn.Sigmoid() if i < len(sizes) - 2 else nn.Tanh()]
    model = nn.Sequential(*layers)
    opt = nn.optim.Adam(model.parameters(), lr=1e-3)
    loader = nn.DataLoader(x_train, y_train, batch_size=32, shuffle=True, seed=0)
    for _ in trange(250, desc="trapezoid regression", leave=False):
        for xb, yb in loader:
            loss = F.mse_loss(model(xb), yb).sqrt()
            opt.zero_grad()
            loss.backward()
            opt.step()
    with no_grad():
        rmse = float(np.sqrt(np.mean((model(x_test).numpy() - y_test) ** 2)))
        order = np.argsort(x_test[:, 0])
        prediction = model(x_test[order]).numpy()
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(x_test[order], y_test[order], "k", lw=3, alpha=0.3, label="trapezoid")
    ax.plot(x_test[order], prediction, label=f"network, test RMSE {rmse:.3f}")
    ax.set(xlabel="x", ylabel="y", title="Trapezoid regression, 250 epochs of Adam")
    ax.legend()
    save(fig, out / "trapezoid_fit.png")
    return ("Trapezoid regression (seed 004)", "test RMSE",
            f"{rmse:.3f} after 250 epochs", "0.065 after 250,000 epochs")


def dense(n_in: int, n_out: int, gen: np.random.Generator) -> nn.Linear:
    """A Linear layer initialised as Keras's Dense: Glorot-uniform weights, zero bias."""
    layer = nn.Linear(n_in, n_out, rng=gen)
    nn.init.xavier_uniform_(layer.weight, rng=gen)
    nn.init.zeros_(layer.bias)
    return layer


def digits(out: Path) -> list[Row]:
    """Seed 002: Dense(64, relu) + Dense(10, softmax) through compile/fit/evaluate."""
    X, y = load_digits(return_X_y=True)
    X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                      random_state=0)
    X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.1,
                                                      stratify=y_rest, random_state=0)
    scaler = StandardScaler().fit(X_train)
    X_train, X_val, X_test = (scaler.transform(a) for a in (X_train, X_val, X_test))
    rows = []
    for name, opt, epochs in [("SGD lr 0.01, 10 epochs (article)", "sgd", 10),
                              ("Adam lr 3e-3, 30 epochs", "adam", 30)]:
        gen = np.random.default_rng(0)
        model = nn.Sequential(dense(64, 64, gen), nn.ReLU(), dense(64, 10, gen))
        optimizer = (nn.optim.SGD(model.parameters(), lr=0.01) if opt == "sgd"
                     else nn.optim.Adam(model.parameters(), lr=3e-3))
        model.compile(optimizer, "cross_entropy", ["accuracy"])
        print(f"digits, {name}:")
        history = model.fit(X_train, y_train, epochs=epochs, batch_size=32,
                            validation_data=(X_val, y_val), seed=0, verbose=1)
        accuracy = model.evaluate(X_test, y_test)["accuracy"]
        rows.append((f"Digits 64-64-10, {name} (seed 002)", "test accuracy", f"{accuracy:.3f}",
                     "not reported" if opt == "sgd" else "goal >= 0.97"))
    axes = history.plot()
    save(axes[0].figure, out / "digits_history.png")
    return rows


def moons(out: Path) -> Row:
    """micrograd's demo: MLP(2, [16, 16, 1]) of scalar Values, max-margin loss, 100 steps."""
    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = 2 * y - 1
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    inputs = [[Value(a), Value(b)] for a, b in X.tolist()]
    for k in trange(100, desc="moons, scalar MLP", leave=False):
        scores = [model(x) for x in inputs]
        loss = F.hinge_loss(scores, y) + 1e-4 * Value.sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
    accuracy = np.mean([(model(x).data > 0) == (t > 0) for x, t in zip(inputs, y)])
    x = [Value(0.5, label="x1"), Value(-0.2, label="x2")]
    neuron = next(n for n in model.layers[0].neurons if n(x).data > 0)  # an active neuron
    model.zero_grad()
    activation = neuron(x)
    activation.label, activation._prev[0].label = "relu(w·x + b)", "w·x + b"
    activation.backward()
    dot = draw_dot(activation, params={"w1": neuron.w[0], "w2": neuron.w[1], "b": neuron.b})
    (out / "neuron_graph.svg").write_bytes(dot.pipe(format="svg"))
    return "make_moons, micrograd's MLP(2, [16, 16, 1])", "train accuracy", f"{accuracy:.2f}", \
        "1.0 (micrograd README)"


def autoencoder(out: Path) -> Row:
    """Seed 002's autoencoder: digits 64-32-8-32-64 trained with the input as the target."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test = train_test_split(X / 16.0, test_size=0.2, stratify=y, random_state=0)
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(64, 32, rng=gen), nn.Tanh(), nn.Linear(32, 8, rng=gen),
                          nn.Linear(8, 32, rng=gen), nn.Tanh(), nn.Linear(32, 64, rng=gen),
                          nn.Sigmoid())
    model.compile(nn.optim.Adam(model.parameters(), lr=3e-3), "mse")
    print("digits autoencoder, code 8:")
    model.fit(X_train, X_train, epochs=60, batch_size=64, seed=0, verbose=1)
    recon = model.predict(X_test)
    pca = PCA(n_components=8).fit(X_train)
    pca_recon = pca.inverse_transform(pca.transform(X_test))
    error, pca_error = (float(np.mean((r - X_test) ** 2)) for r in (recon, pca_recon))
    fig, axes = plt.subplots(3, 10, figsize=(9, 3))
    for row, (images, title) in enumerate([(X_test, "original"), (recon, "autoencoder"),
                                           (pca_recon, "PCA, 8")]):
        for col in range(10):
            axes[row, col].imshow(images[col].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
            axes[row, col].set(xticks=[], yticks=[])
        axes[row, 0].set_ylabel(title, fontsize=8)
    save(fig, out / "autoencoder_reconstructions.png")
    return ("Digits autoencoder 64-32-8-32-64 (seed 002)", "test reconstruction MSE",
            f"{error:.4f} (PCA with 8 components: {pca_error:.4f})", "not reported")


def cnn(out: Path) -> Row:
    """Seed 002's CNN: Conv2d(1, 16, 3) + MaxPool2d(2) + Linear on the digits, as notebook 09."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y,
                                                        random_state=0)
    mean, std = X_train.mean(), X_train.std()
    X_train, X_test = ((a.reshape(-1, 1, 8, 8) - mean) / std for a in (X_train, X_test))
    gen = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, rng=gen), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(256, 10, rng=gen))
    model.compile(nn.optim.Adam(model.parameters(), lr=1e-2), "cross_entropy", ["accuracy"])
    print("digits CNN:")
    model.fit(X_train, y_train, epochs=10, batch_size=32, seed=0, verbose=1)
    accuracy = model.evaluate(X_test, y_test)["accuracy"]
    with no_grad():
        maps = model[1](model[0](Tensor(X_test[:1]))).numpy()[0]
    fig, axes = plt.subplots(2, 9, figsize=(9, 2.3))
    axes[0, 0].imshow(X_test[0, 0], cmap="gray_r")
    axes[0, 0].set_title(f"a {y_test[0]}", fontsize=8)
    for ax, feature_map in zip(axes.flat[1:], maps):
        ax.imshow(feature_map, cmap="gray_r")
    for ax in axes.flat:
        ax.set(xticks=[], yticks=[])
    axes.flat[-1].axis("off")  # 17 panels for the digit and its 16 maps
    fig.suptitle("CNN: a test digit and its 16 feature maps after the first Conv2d + ReLU")
    save(fig, out / "cnn_feature_maps.png")
    return ("Digits CNN, Conv2d(16) + MaxPool2d + Linear (seed 002)", "test accuracy",
            f"{accuracy:.3f}", "not reported (MLP, notebook 05: 0.977)")


def memory_batch(lag: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """n sequences (time first) of a flagged symbol of 4, then `lag` random ones; the target."""
    symbols = rng.integers(0, 4, (lag + 1, n))
    xs = np.zeros((lag + 1, n, 5))
    xs[np.arange(lag + 1)[:, None], np.arange(n)[None], symbols] = 1.0
    xs[0, :, 4] = 1.0
    return xs, symbols[0]


def lstm_memory(out: Path) -> Row:
    """Seed 002's LSTM: recall a symbol seen 8 steps earlier; gradient norms through time."""
    norms = {}
    for name, cell in [("RNN", nn.RNNCell), ("LSTM", nn.LSTMCell)]:
        step, head = cell(5, 16, rng=np.random.default_rng(0)), nn.Linear(16, 4, rng=0)
        state, hs = None, []
        for x in np.random.default_rng(0).standard_normal((30, 16, 5)):
            state = step(Tensor(x), state)
            hs.append(state[0] if isinstance(state, tuple) else state)
        F.cross_entropy(head(hs[-1]), np.zeros(16, dtype=int)).backward()
        norms[name] = [np.linalg.norm(h.grad) for h in hs]
    fig, ax = plt.subplots(figsize=(5, 3))
    for name, g in norms.items():
        ax.semilogy(range(1, 31), g, "o-", ms=3, label=name)
    ax.set(xlabel="time step (loss at step 30)", ylabel="gradient norm wrt hidden state",
           title="Vanishing through time, at initialisation")
    ax.legend()
    save(fig, out / "gradient_through_time.png")
    rng = np.random.default_rng(0)
    lstm, head = nn.LSTM(5, 16, rng=np.random.default_rng(0)), nn.Linear(16, 4, rng=0)
    params = lstm.parameters() + head.parameters()
    opt = nn.optim.Adam(params, lr=1e-2)
    for _ in trange(200, desc="LSTM memory task, lag 8", leave=False):
        xs, ys = memory_batch(8, 64, rng)
        loss = F.cross_entropy(head(lstm(Tensor(xs))[0][-1]), ys)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
    xs, ys = memory_batch(8, 500, np.random.default_rng(1))
    with no_grad():
        accuracy = np.mean(head(lstm(Tensor(xs))[0][-1]).numpy().argmax(axis=1) == ys)
    return ("LSTM memory task: recall a symbol 8 steps back", "test accuracy",
            f"{accuracy:.3f} (chance 0.25)", "not reported")


def main() -> None:
    description, epilog = __doc__.split("\n\n", 1)
    parser = argparse.ArgumentParser(description=description, epilog=epilog,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="out",
                        help="folder for the plots and graph pictures (default: out)")
    out = Path(parser.parse_args().out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    rows = [iris(out), *xor(out), trapezoid(out), *digits(out), moons(out), autoencoder(out),
            cnn(out), lstm_memory(out)]
    print("\n| task | metric | measured | published |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\nFinished in {time.perf_counter() - start:.0f} s. Pictures in {out.resolve()}/:")
    for path in sorted(out.iterdir()):
        print(f"  {path.name}")


if __name__ == "__main__":
    main()
