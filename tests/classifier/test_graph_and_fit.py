"""The ONNX graph builder reproduces the torch model the trainer fits (tiny random model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.training.bundle import SPLIT_DEV, SPLIT_PROXY, SPLIT_TRAIN

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
ort = pytest.importorskip("onnxruntime")

HIDDEN, LAYERS, HEADS, FFN, VOCAB, MAXPOS = 64, 2, 2, 128, 40, 32


def tiny_bundle(rng: np.random.Generator, n: int = 48) -> dict[str, np.ndarray]:
    lengths = rng.integers(3, 12, n)
    tokens = np.concatenate([rng.integers(4, VOCAB, k) for k in lengths]).astype(np.int32)
    bundle: dict[str, np.ndarray] = {
        "vocab_ids": np.arange(VOCAB),
        "tokens": tokens,
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
        "targets": rng.integers(-1, 2, (n, 3)).astype(np.int8),
        "weights": np.ones(n, np.float32),
        "splits": np.array([SPLIT_TRAIN, SPLIT_DEV, SPLIT_PROXY] * (n // 3), np.int8),
        "langs": rng.integers(0, 2, n).astype(np.int8),
        "config": np.array([HIDDEN, LAYERS, HEADS, FFN, MAXPOS]),
        "eps": np.array(1e-12),
        "q:emb.word:codes": rng.integers(-8, 8, (VOCAB, HIDDEN)).astype(np.int8),
        "q:emb.word:scales": rng.uniform(0.01, 0.05, (VOCAB, HIDDEN // 32)).astype(np.float32),
    }
    shapes = {
        "emb.pos": (MAXPOS, HIDDEN),
        "emb.type": (2, HIDDEN),
        "emb.ln.w": (HIDDEN,),
        "emb.ln.b": (HIDDEN,),
    }
    for i in range(LAYERS):
        for name, out, inp in (
            ("q", HIDDEN, HIDDEN),
            ("k", HIDDEN, HIDDEN),
            ("v", HIDDEN, HIDDEN),
            ("ao", HIDDEN, HIDDEN),
            ("fi", FFN, HIDDEN),
            ("fo", HIDDEN, FFN),
        ):
            shapes[f"l{i}.{name}.w"], shapes[f"l{i}.{name}.b"] = (out, inp), (out,)
        for ln in ("aln", "oln"):
            shapes[f"l{i}.{ln}.w"], shapes[f"l{i}.{ln}.b"] = (HIDDEN,), (HIDDEN,)
    for name, shape in shapes.items():
        base = 1.0 if name.endswith("ln.w") else 0.0
        bundle["w:" + name] = (base + rng.normal(0, 0.05, shape)).astype(np.float32)
    return bundle


def test_fit_runs_on_cpu_and_onnx_graph_matches_torch(tmp_path: Path) -> None:
    import onnx

    from classifier.embedded.graph import GraphShape, build_graph
    from classifier.training.fit import FitConfig, build_model, fit, load_weights

    rng = np.random.default_rng(0)
    bundle = tiny_bundle(rng)
    weights, info = fit(
        bundle,
        FitConfig(mix_epochs=1, final_epochs=1, batch_size=8, device="cpu"),
        log=lambda _m: None,
    )
    assert len(info["dev_logits"]) == int((bundle["splits"] == SPLIT_DEV).sum())
    assert "emb.word" not in weights and weights["head.w"].shape == (3, HIDDEN)

    model = build_model(bundle)
    load_weights(model, weights, LAYERS)
    model.eval()
    ids = np.array([[0, 5, 6, 7, 2], [0, 9, 2, 1, 1]], np.int64)
    mask = (ids != 1).astype(np.int64)
    with torch.no_grad():
        expected = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()

    graph_weights = {k: v.astype(np.float32) for k, v in weights.items()}
    shape = GraphShape(HIDDEN, LAYERS, HEADS, 1e-12, 3)
    graph = build_graph(
        graph_weights, bundle["q:emb.word:codes"], bundle["q:emb.word:scales"], shape
    )
    onnx.save(graph, tmp_path / "tiny.onnx")
    session = ort.InferenceSession(str(tmp_path / "tiny.onnx"), providers=["CPUExecutionProvider"])
    got = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    np.testing.assert_allclose(got, expected, atol=2e-2)

    per_token = build_graph(
        graph_weights,
        bundle["q:emb.word:codes"],
        bundle["q:emb.word:scales"],
        shape,
        blocks8=False,
        per_token=True,
    )
    onnx.save(per_token, tmp_path / "tiny_token8.onnx")
    session = ort.InferenceSession(
        str(tmp_path / "tiny_token8.onnx"), providers=["CPUExecutionProvider"]
    )
    got = session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]
    np.testing.assert_allclose(got, expected, atol=3e-2)


def test_soft_targets_mix_gold_where_known_and_teacher_elsewhere() -> None:
    from classifier.training.distill import soft_targets

    gold = np.array([[1, 0, -1]], np.int8)
    teacher = np.array([[0.6, 0.4, 0.9]], np.float32)
    np.testing.assert_allclose(soft_targets(gold, teacher, 0.5), [[0.8, 0.2, 0.9]], atol=1e-6)


def test_student_keeps_the_bottom_layers_renumbered() -> None:
    from classifier.training.distill import pick_layers, student_weights

    assert pick_layers(12, 6) == [0, 1, 2, 3, 4, 5]
    assert pick_layers(2, 6) == [0, 1]
    teacher = {"l0.q.w": np.zeros(1), "l1.q.w": np.ones(1), "head.w": np.full(1, 2.0)}
    assert student_weights(teacher, [1]) == {
        "l0.q.w": teacher["l1.q.w"],
        "head.w": teacher["head.w"],
    }


def test_distilled_student_moves_towards_its_teacher() -> None:
    from classifier.training.distill import DistilConfig, distil, student_weights
    from classifier.training.fit import (
        FitConfig,
        _Data,
        build_model,
        fit,
        load_weights,
        predict_logits,
    )

    rng = np.random.default_rng(1)
    bundle = tiny_bundle(rng, n=60)
    bundle["splits"][-6:] = 5  # unlabelled: teacher targets only
    teacher, _ = fit(
        bundle, FitConfig(mix_epochs=2, final_epochs=2, batch_size=8, device="cpu"), log=print
    )
    # make the dropped top layer matter, so the truncated student starts off its teacher
    teacher["l1.fo.w"] = teacher["l1.fo.w"] * 8
    data = _Data(bundle)
    dev = data.indices(SPLIT_DEV)

    def dev_logits(weights: dict[str, np.ndarray], layers: int) -> np.ndarray:
        model = build_model(bundle, layers)
        load_weights(model, weights, layers)
        return predict_logits(model, data, dev, torch.device("cpu"))

    target = dev_logits(teacher, LAYERS)
    before = dev_logits(student_weights(teacher, [0]), 1)
    cfg = DistilConfig(
        layers=1, mix_epochs=4, final_epochs=0, gold_weight=0.0, lr=5e-4, head_lr=5e-3, batch_size=8
    )
    student, info = distil(bundle, teacher, cfg, log=lambda _m: None)
    assert "l1.q.w" not in student and student["l0.q.w"].shape == (HIDDEN, HIDDEN)
    assert info["teacher_layers_kept"] == [0]
    after = np.array(info["dev_logits"], np.float32)
    assert np.abs(after - target).mean() < np.abs(before - target).mean()


def test_gpu_run_trains_teachers_then_students_and_returns_small_files(tmp_path: Path) -> None:
    import json

    from classifier.embedded.model_files import read_weight_file
    from classifier.training.gpu_run import main

    bundle = tiny_bundle(np.random.default_rng(2), n=60)
    bundle["splits"][-6:] = 5  # unlabelled: the teacher's targets only
    np.savez(tmp_path / "bundle.npz", **bundle)
    out = tmp_path / "out"
    main(
        [str(tmp_path / "bundle.npz"), str(out), "--work", str(tmp_path / "work"),
         "--teachers", "1", "2@0,1", "--students", "3@1,0", "--student-layers", "1",
         "--budget", "300"]
    )  # fmt: skip
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["exit"] == {"t1": 0, "t2": 0, "s3": 0}
    assert report["best_teacher"] in {"t1", "t2"}
    assert set(report["runs"]) == {"t1", "t2", "s3"}
    assert all("mean@tuned" in run["dev"] for run in report["runs"].values())
    teacher = {**read_weight_file(out / "teacher_0.npz"), **read_weight_file(out / "teacher_1.npz")}
    assert {"l0.q.w", "l1.q.w", "head.w", "emb.pos"} <= set(teacher)
    student = read_weight_file(out / "student_3.npz")
    assert "l0.q.w" in student and "l1.q.w" not in student  # the bottom layer kept
