"""The stable diagnostic codes: one entry per kind of user mistake, never renamed once shipped."""

from __future__ import annotations

__all__ = ["CODES", "describe"]

CODES: dict[str, str] = {
    # syntax
    "syntax-error": "the text does not follow the grammar",
    "unexpected-token": "a token appears where the grammar does not allow it",
    "unexpected-end": "the file ends in the middle of a construct",
    "invalid-character": "a character that no token can start with",
    # names
    "unknown-name": "a name that is not defined in scope",
    "unknown-gate": "a gate, channel or block that does not exist",
    "unknown-topology": "an entanglement topology that does not exist",
    "unknown-function": "a function or schedule that does not exist",
    "unknown-initializer": "a parameter initializer that does not exist",
    "unknown-activation": "a classical-head activation that does not exist",
    "unknown-option": "a keyword argument or option that the construct does not take",
    "unknown-pauli": "a Pauli word factor that is not X, Y, Z or I with a wire",
    "duplicate-definition": "a name defined twice in one scope",
    # training settings
    "unknown-setting": "a 'train' section setting that does not exist",
    "unknown-optimizer": "a 'train' optimizer other than adam, rmsprop or sgd",
    "unknown-loss": "a 'train' loss other than cross_entropy, mse or hinge",
    "unknown-scaling": "a 'train' feature scaling other than none, standard or minmax(lo, hi)",
    "duplicate-setting": "a 'train' setting written twice in one section",
    # arity and types
    "wrong-arity": "a gate or channel given the wrong number of angles or values",
    "wrong-argument-count": "a block, topology or function given the wrong number of arguments",
    "wire-count": "a gate applied to a number of wires it cannot act on",
    "type-error": "a value of the wrong kind (e.g. a wire list where a number is needed)",
    "non-integer": "a count, index, wire or shape that is not an integer",
    "non-finite": "a number that is infinite or not a number",
    "integer-overflow": "an integer outside the 64-bit range",
    "division-by-zero": "a division or modulo by zero in a constant expression",
    "math-domain": "a function applied outside its domain (log(0), sqrt(-1), ...)",
    # wires, shapes, indices
    "wire-out-of-range": "a wire index outside 0..qubits-1",
    "duplicate-wire": "the same wire twice in one gate",
    "index-out-of-bounds": "an index outside an input's or parameter's shape",
    "shape-mismatch": "data whose size does not fit what the construct needs",
    # model structure
    "missing-qubits": "a model without a 'qubits' declaration",
    "misplaced-statement": "a statement where it is not allowed (e.g. 'input' in a block)",
    "recursive-block": "a block or topology that calls itself",
    "multiple-models": "more than one model in a file",
    "no-model": "a command that needs a model was given a file without one",
    "invalid-value": "a count, size or value outside what the construct accepts (qubits 0, t2 > 2*t1)",
    "invalid-schedule": "a schedule with a bad horizon or shape",
    "probability-out-of-range": "a probability outside [0, 1] at some epoch or depth",
    "unused-param": "a declared parameter that no operation uses",
    # modules
    "import-not-found": "an imported file that does not exist",
    "import-cycle": "files that import each other in a cycle",
    "import-outside-root": "an import that leaves the allowed roots",
    # limits
    "source-too-large": "a source file over the size limit",
    "too-many-qubits": "a model over the qubit limit",
    "too-many-ops": "a program that would unroll to more operations than the limit",
    "nesting-too-deep": "expressions or blocks nested deeper than the limit",
    "import-too-deep": "a chain of imports longer than the limit",
    "number-too-long": "an integer literal with more digits than the limit",
    # targets
    "unknown-target": "a compile target that no backend provides",
    "unsupported": "a construct that the chosen target cannot express",
}


def describe(code: str) -> str:
    return CODES[code]
