"""The ``train { ... }`` section: parsing, defaults, checks, formatting, the IR and its JSON."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

import dreamlang
from dreamlang import ir
from dreamlang import syntax as s
from dreamlang.backends import ir as irjson
from dreamlang.cli import main
from dreamlang.diagnostics import Source
from dreamlang.errorcodes import CODES
from dreamlang.formatter import format_module, format_source
from dreamlang.irprint import dump
from dreamlang.parser import parse_module

ROOT = Path(__file__).resolve().parent.parent
MODEL = """const EPOCHS = 30
model m {{
    qubits 1
    input x
    param w
    ry(x) on 0
    rx(w) on 0
    measure expval Z on 0
    train {{
        {settings}
    }}
}}
"""
SETTINGS_LINE = 10  # the line of {settings} in MODEL
SETTINGS_COLUMN = 9


def _spec(settings: str) -> ir.TrainSpec:
    model = dreamlang.parse(MODEL.format(settings=settings)).model
    assert model is not None and model.train is not None
    return model.train


def _errors(text: str) -> list[dreamlang.Diagnostic]:
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text, "t.dream")
    return [d for d in info.value.diagnostics if d.is_error]


def _error(settings: str) -> dreamlang.Diagnostic:
    (diag,) = _errors(MODEL.format(settings=settings))
    return diag


# ---- syntax ----


def test_the_section_parses_into_settings_in_source_order() -> None:
    text = 'model m {\n    train { optimizer adam; lr 0.1 / 2\n label "y" }\n}\n'
    (model,) = parse_module(Source("t.dream", text)).items
    assert isinstance(model, s.ModelDef)
    (train,) = model.body
    assert isinstance(train, s.Train)
    names = [setting.name for setting in train.settings]
    assert names == ["optimizer", "lr", "label"]
    optimizer, lr, label = train.settings
    assert optimizer.value == s.Name("adam")
    assert isinstance(lr.value, s.Binary) and lr.value.op == "/"
    assert label.value == "y"
    assert (train.span.line, train.span.column) == (2, 5)


def test_train_is_still_a_name_outside_model_bodies() -> None:
    text = "const train = 2\nblock train(a) {\n    rx(a) on 0\n}\nmodel m {\n    qubits train\n}\n"
    program = dreamlang.parse(text)
    assert program.model is not None and program.model.num_qubits == 2
    assert program.model.train is None


# ---- values and defaults ----


def test_every_setting_of_the_iris_example() -> None:
    model = dreamlang.load(ROOT / "examples" / "iris.dream").model
    assert model is not None and model.train is not None
    spec = model.train
    assert (spec.optimizer, spec.lr, spec.loss) == ("adam", 0.05, "cross_entropy")
    assert (spec.epochs, spec.batch_size, spec.seed, spec.split) == (30, 16, 0, 0.3)
    assert spec.scale == ("minmax", (0.0, pytest.approx(3.141592653589793)))
    assert spec.label == "species"
    assert spec.momentum == 0.9  # not written: the default
    assert "momentum" not in spec.settings
    assert set(spec.settings) == {f.name for f in dataclasses.fields(spec)} - {
        "momentum",
        "settings",
        "span",
    }


def test_an_empty_section_is_all_defaults() -> None:
    spec = _spec("")
    assert spec == ir.TrainSpec()
    assert spec.settings == ()
    assert (spec.optimizer, spec.lr, spec.loss, spec.epochs) == ("adam", 0.01, "cross_entropy", 20)
    assert (spec.batch_size, spec.seed, spec.momentum, spec.split) == (16, 0, 0.9, 0.25)
    assert (spec.scale, spec.label) == (("none", ()), None)


def test_a_model_without_a_section_has_no_spec() -> None:
    model = dreamlang.parse("model m {\n    qubits 1\n    h on 0\n}\n").model
    assert model is not None and model.train is None


def test_values_are_compile_time_expressions() -> None:
    spec = _spec("lr 0.1 / 2; epochs EPOCHS; batch 2 ** 4; momentum 1 - 0.25\nscale minmax(0, pi)")
    assert spec.lr == 0.05 and isinstance(spec.lr, float)
    assert (spec.epochs, spec.batch_size, spec.momentum) == (30, 16, 0.75)
    assert spec.scale == ("minmax", (0.0, pytest.approx(3.141592653589793)))
    assert spec.settings == ("lr", "epochs", "batch_size", "momentum", "scale")


def test_model_level_consts_and_integer_learning_rates() -> None:
    text = MODEL.replace("    qubits 1\n", "    qubits 1\n    const B = 8\n")
    model = dreamlang.parse(text.format(settings="batch B; lr 1; seed B * 0")).model
    assert model is not None and model.train is not None
    assert (model.train.batch_size, model.train.lr, model.train.seed) == (8, 1.0, 0)
    assert isinstance(model.train.lr, float)


@pytest.mark.parametrize(
    ("written", "scale"),
    [
        ("none", ("none", ())),
        ("standard", ("standard", ())),
        ("standard()", ("standard", ())),
        ("minmax", ("minmax", (0.0, 1.0))),
        ("minmax(-1, 1)", ("minmax", (-1.0, 1.0))),
    ],
)
def test_scalings(written: str, scale: tuple[str, tuple[float, ...]]) -> None:
    assert _spec(f"scale {written}").scale == scale


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd"])
def test_optimizers(name: str) -> None:
    assert _spec(f"optimizer {name}; momentum 0").optimizer == name


@pytest.mark.parametrize("name", ["cross_entropy", "mse", "hinge"])
def test_losses(name: str) -> None:
    assert _spec(f"loss {name}").loss == name


def test_edges_of_the_ranges_are_allowed() -> None:
    spec = _spec("momentum 0; seed 0; epochs 1; batch 1; split 0.999; lr 1e-9")
    assert (spec.momentum, spec.seed, spec.epochs, spec.batch_size) == (0.0, 0, 1, 1)
    assert (spec.split, spec.lr) == (0.999, 1e-9)


# ---- diagnostics ----


@pytest.mark.parametrize(
    ("settings", "code", "column", "words"),
    [
        ("learnrate 0.1", "unknown-setting", 1, "did you mean 'lr'"),
        ("learning_rate 0.1", "unknown-setting", 1, "did you mean 'lr'"),
        ("epoch 3", "unknown-setting", 1, "did you mean 'epochs'"),
        ("frobnicate 3", "unknown-setting", 1, "the settings are optimizer, lr"),
        ("optimizer adamw", "unknown-optimizer", 11, "did you mean 'adam'"),
        ("optimizer SGD", "unknown-optimizer", 11, "did you mean 'sgd'"),
        ("optimizer lbfgs", "unknown-optimizer", 11, "adam, rmsprop, sgd"),
        ("optimizer 3", "type-error", 11, "e.g. 'optimizer adam'"),
        ('optimizer "adam"', "type-error", 1, "drop the quotes"),
        ("loss crossentropy", "unknown-loss", 6, "did you mean 'cross_entropy'"),
        ("loss mae", "unknown-loss", 6, "did you mean 'mse'"),
        ("scale standardize", "unknown-scaling", 7, "did you mean 'standard'"),
        ("scale min_max(0, 1)", "unknown-scaling", 7, "did you mean 'minmax'"),
        ("scale 3", "type-error", 7, ""),
        ("scale minmax(0)", "wrong-argument-count", 7, "minmax(lo, hi)"),
        ("scale minmax(lo=0, hi=1)", "wrong-argument-count", 7, "minmax(lo, hi)"),
        ("scale standard(1)", "wrong-argument-count", 7, "take no values"),
        ("scale minmax(1, 0)", "invalid-value", 7, "minmax(0, pi)"),
        ("scale minmax(1, 1)", "invalid-value", 7, "minmax(0, pi)"),
        ("lr 0", "invalid-value", 4, "lr > 0"),
        ("lr -0.1", "invalid-value", 4, "lr > 0"),
        ("lr x", "type-error", 4, "known at compile time"),
        ("lr [0.1]", "type-error", 4, "known at compile time"),
        ("lr exp(1000.0)", "non-finite", 4, ""),
        ("epochs 0", "invalid-value", 8, "epochs >= 1"),
        ("epochs 2.5", "non-integer", 8, ""),
        ("epochs 60 / 2", "non-integer", 8, "write 30"),
        ("batch 0", "invalid-value", 7, "batch >= 1"),
        ("seed -1", "invalid-value", 6, "seed >= 0"),
        ("momentum 1", "invalid-value", 10, "0 <= momentum < 1"),
        ("momentum -0.5", "invalid-value", 10, "0 <= momentum < 1"),
        ("split 0", "invalid-value", 7, "0 < split < 1"),
        ("split 1.5", "invalid-value", 7, "0 < split < 1"),
        ("label 3", "type-error", 7, 'label "species"'),
        ('label ""', "invalid-value", 1, "last CSV column"),
        ("epochs 3; epochs 4", "duplicate-setting", 11, "first set at line"),
    ],
)
def test_each_mistake_has_a_code_a_place_and_a_hint(
    settings: str, code: str, column: int, words: str
) -> None:
    diag = _error(settings)
    assert diag.code == code, diag.render()
    assert code in CODES
    assert diag.span is not None
    assert (diag.span.line, diag.span.column) == (SETTINGS_LINE, SETTINGS_COLUMN + column - 1)
    assert words in diag.render(), diag.render()


def test_a_rendered_diagnostic_has_location_caret_and_hint() -> None:
    text = MODEL.format(settings="optimizer adamw")
    with pytest.raises(dreamlang.DreamError) as info:
        dreamlang.parse(text, "t.dream")
    assert info.value.render() == (
        "t.dream:10:19: error[unknown-optimizer]: unknown optimizer 'adamw'\n"
        "   10 |         optimizer adamw\n"
        "      |                   ^^^^^\n"
        "  hint: did you mean 'adam'?"
    )


def test_every_mistake_in_a_section_is_reported() -> None:
    errors = _errors(MODEL.format(settings="optimizer adamw\n lr 0\n loss l1\n bogus 1"))
    assert [d.code for d in errors] == [
        "unknown-optimizer",
        "invalid-value",
        "unknown-loss",
        "unknown-setting",
    ]
    assert [d.span.line for d in errors if d.span] == [10, 11, 12, 13]


def test_a_second_section_is_a_duplicate_definition() -> None:
    text = MODEL.replace("    measure", "    train {{ lr 0.5 }}\n    measure")
    (diag,) = _errors(text.format(settings="epochs 3"))
    assert diag.code == "duplicate-definition"
    assert diag.span is not None and (diag.span.line, diag.span.column) == (10, 5)
    assert diag.span.end_column == 10  # the caret is under 'train'
    assert any("first is at line 8" in note for note in diag.notes)


def test_a_section_inside_a_loop_is_misplaced() -> None:
    text = "model m {\n    qubits 1\n    repeat 2 {\n        train { lr 0.1 }\n        h on 0\n    }\n}\n"
    (diag,) = _errors(text)
    assert diag.code == "misplaced-statement"
    assert "'train'" in diag.message


def test_a_block_cannot_hold_a_section() -> None:
    text = (
        "block b() on q {\n    train {}\n    h on q\n}\nmodel m {\n    qubits 1\n    b() on 0\n}\n"
    )
    assert [d.code for d in _errors(text)] == ["misplaced-statement"]


def test_the_new_codes_are_registered_and_documented() -> None:
    doc = (ROOT / "docs" / "language.md").read_text("utf-8")
    for code in ("unknown-setting", "unknown-optimizer", "unknown-loss", "unknown-scaling"):
        assert code in CODES and f"`{code}`" in doc
    assert "duplicate-setting" in CODES and "`duplicate-setting`" in doc


# ---- formatter ----


def test_the_formatter_prints_one_setting_per_line() -> None:
    text = 'model m {\n  train { optimizer   sgd;momentum 0.5 ; scale minmax( 0,pi ) ; label "y" }\n}\n'
    assert format_source(text) == (
        "model m {\n"
        "    train {\n"
        "        optimizer sgd\n"
        "        momentum 0.5\n"
        "        scale minmax(0, pi)\n"
        '        label "y"\n'
        "    }\n"
        "}\n"
    )


def test_formatting_keeps_the_ir_and_is_a_fixed_point() -> None:
    text = MODEL.format(settings='lr 0.1/2 ; epochs EPOCHS  # c\n label "a \\"b\\""; scale minmax')
    formatted = format_source(text)
    assert dreamlang.parse(formatted) == dreamlang.parse(text)
    assert format_source(formatted) == formatted
    assert '        label "a \\"b\\""\n' in formatted
    assert "        epochs EPOCHS  # c\n" in formatted


def test_an_empty_section_stays_on_one_line() -> None:
    assert format_source("model m {\n    train {\n    }\n}\n") == "model m {\n    train {}\n}\n"


def test_a_tree_built_without_spans_prints_back_to_itself() -> None:
    settings = (s.TrainSetting("lr", s.Float(0.1, "0.1")), s.TrainSetting("label", "x"))
    model = s.ModelDef("m", (s.Qubits(s.Int(1)), s.Train(settings), s.Train(())))
    text = format_module(s.Module((model,)))
    assert text == (
        'model m {\n    qubits 1\n    train {\n        lr 0.1\n        label "x"\n    }\n'
        "    train {}\n}\n"
    )
    (parsed,) = parse_module(Source("t.dream", text)).items
    assert parsed == model


# ---- IR listing and IR JSON ----


def test_the_ir_listing_has_one_train_line() -> None:
    program = dreamlang.parse(MODEL.format(settings='optimizer sgd; lr 0.5; label "y"'))
    lines = [line for line in dump(program).splitlines() if line.startswith("train:")]
    assert lines == [
        "train: optimizer sgd; lr 0.5; loss cross_entropy; epochs 20; batch 16; seed 0; "
        'momentum 0.9; split 0.25; scale none; label "y"  '
        "(defaults: loss, epochs, batch_size, seed, momentum, split, scale)"
    ]


def test_the_ir_listing_of_a_model_without_a_section_has_no_train_line() -> None:
    program = dreamlang.parse("model m {\n    qubits 1\n    h on 0\n}\n")
    assert "train" not in dump(program)


def test_the_json_target_holds_every_setting_and_reads_back() -> None:
    program = dreamlang.load(ROOT / "examples" / "iris.dream")
    text = irjson.dumps(program)
    train = json.loads(text)["model"]["train"]
    assert train["type"] == "TrainSpec"
    assert train["optimizer"] == "adam" and train["lr"] == 0.05
    assert train["batch_size"] == 16 and train["epochs"] == 30 and train["seed"] == 0
    assert train["scale"][0] == "minmax" and train["scale"][1][0] == 0.0
    assert train["label"] == "species" and train["momentum"] == 0.9
    assert "momentum" not in train["settings"] and "lr" in train["settings"]
    assert train["loc"].split(":")[1] == "5"
    back = irjson.loads(text)
    assert back == program
    assert back.model is not None and back.model.train == program.model.train  # type: ignore[union-attr]


def test_the_json_of_a_model_without_a_section_says_null() -> None:
    program = dreamlang.parse("model m {\n    qubits 1\n    h on 0\n}\n")
    assert json.loads(irjson.dumps(program))["model"]["train"] is None
    assert irjson.loads(irjson.dumps(program)) == program


def test_the_compile_command_writes_the_settings(tmp_path: Path) -> None:
    out = tmp_path / "iris.ir.json"
    code = main(
        ["compile", str(ROOT / "examples" / "iris.dream"), "--target", "ir", "-o", str(out)]
    )
    assert code == 0
    assert json.loads(out.read_text("utf-8"))["model"]["train"]["label"] == "species"
