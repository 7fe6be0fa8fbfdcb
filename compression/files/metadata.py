"""A checkpoint's metadata, checked by size and by type before anything reads it.

Unpickling follows back-references, so a file of 1 MB can hold a list that expands to
10^9 items, or lists nested 200,000 deep. :func:`checked_metadata` walks the metadata
without recursion and stops as soon as a bound is passed, so it costs milliseconds
whatever the file claims; only then are the fields the program reads checked by type.
Fields it does not know are kept as they are (they are part of the file's record), if
they too are plain data within the bounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from compression.data import DATASETS
from compression.distill import Distillation
from compression.files.quoting import QUOTE_LIMIT, quoted
from compression.methods import all_controls
from compression.methods.controls import CHOICE, FLAG, NUMBER
from compression.models import layer_names_for
from compression.settings import CompressionSettings, SettingsError

MAX_VALUES = 100_000  # every text, number, list and dictionary, counted each time it is reached
MAX_DEPTH = 32  # lists and dictionaries inside each other
MAX_ITEMS = 10_000  # entries of one list or dictionary
MAX_TEXT = 4_096  # characters of one text
MAX_TOTAL_TEXT = 2**20  # characters of all texts and keys together
SEED_RANGE = (-(2**63), 2**64 - 1)  # what torch.manual_seed accepts
ANCESTORS_KEPT = 8  # fine-tuned models record this many generations of ``finetuned_from``


class MetadataError(ValueError):
    """A checkpoint's metadata is too large, too deep, or a field has the wrong type."""


def checked_metadata(metadata: object, model_name: str) -> dict:
    """``metadata`` if it is plain data within the bounds whose known fields have their
    types; :class:`MetadataError` (one sentence, quoting at most a few dozen characters)
    otherwise. ``None`` stands for no metadata."""
    if metadata is None:
        return {}
    if not isinstance(metadata, dict):
        raise MetadataError(f"the metadata must be a dictionary, not {quoted(metadata)}")
    _check_bounds(metadata)
    for name, check in _FIELDS.items():
        if name in metadata:
            check(name, metadata[name], model_name)
    return metadata


def as_parent(metadata: dict) -> dict:
    """``metadata`` as a fine-tuned model records it under ``finetuned_from``: its own
    chain of ancestors cut after :data:`ANCESTORS_KEPT` generations, so the record of a
    model fine-tuned again and again stays within the bounds."""
    top = dict(metadata)
    level = top
    for _ in range(ANCESTORS_KEPT - 1):
        parent = level.get("finetuned_from")
        if not isinstance(parent, dict):
            return top
        level["finetuned_from"] = dict(parent)
        level = level["finetuned_from"]
    if "finetuned_from" in level:
        level["finetuned_from"] = "(older generations not kept)"
    return top


# --- bounds -----------------------------------------------------------------------------------


def _check_bounds(metadata: dict) -> None:
    """Refuse anything but plain data within the bounds, counting values as they are reached
    (a shared list counts each time), so an expanding structure is stopped early."""
    reached, characters = 1, 0
    waiting: list[tuple[object, int, str]] = [(metadata, 0, "")]
    while waiting:
        value, depth, field = waiting.pop()
        where = f"metadata field {field}" if field else "the metadata"
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise MetadataError(
                    f"{where} holds a text of {len(value):,} characters, over the "
                    f"{MAX_TEXT:,} allowed"
                )
            characters += len(value)
            if characters > MAX_TOTAL_TEXT:
                raise MetadataError(
                    f"the metadata holds more than {MAX_TOTAL_TEXT:,} characters of text"
                )
        elif isinstance(value, int) and not isinstance(value, bool):
            if not -(2**64) < value < 2**64:
                raise MetadataError(f"{where} holds {quoted(value)}, beyond 64 bits")
        elif value is None or isinstance(value, bool | float):
            pass
        elif isinstance(value, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise MetadataError(
                    f"{where} nests lists or dictionaries more than {MAX_DEPTH} levels deep"
                )
            if len(value) > MAX_ITEMS:
                raise MetadataError(
                    f"{where} has {len(value):,} entries in one place, over the "
                    f"{MAX_ITEMS:,} allowed"
                )
            reached += len(value)
            if reached > MAX_VALUES:
                raise MetadataError(
                    f"the metadata holds more than {MAX_VALUES:,} values "
                    "(counting each repeated reference)"
                )
            if isinstance(value, dict):
                for key, item in value.items():
                    if not isinstance(key, str):
                        raise MetadataError(f"{where} has the key {quoted(key)}; keys must be text")
                    waiting.append((key, depth + 1, field))
                    waiting.append((item, depth + 1, field or _field_name(key)))
                reached += len(value)  # the keys
            else:
                waiting.extend((item, depth + 1, field) for item in value)
        else:
            raise MetadataError(
                f"{where} holds {quoted(value)}; only text, numbers, true/false, lists and "
                "dictionaries are allowed"
            )


def _field_name(key: str) -> str:
    return key if key.isidentifier() and len(key) <= QUOTE_LIMIT else quoted(key)


# --- the fields the program reads --------------------------------------------------------------


def _wrong(name: str, expected: str, value: object) -> MetadataError:
    return MetadataError(f"metadata field {name} must be {expected}, not {quoted(value)}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(name: str, value: object, _model: str) -> None:
    if not isinstance(value, str):
        raise _wrong(name, "text", value)


def _check_dataset(name: str, value: object, _model: str) -> None:
    if not isinstance(value, str) or value not in DATASETS:
        raise MetadataError(
            f"made for an unknown data set {quoted(value)}; known: {sorted(DATASETS)}"
        )


def _check_accuracy(name: str, value: object, _model: str) -> None:
    if value is not None and not _is_number(value):
        raise _wrong(name, "a number", value)


def _check_seed(name: str, value: object) -> None:
    low, high = SEED_RANGE
    if not _is_whole(value) or not low <= value <= high:
        raise _wrong(name, "a whole number that fits in 64 bits", value)


def _check_train_config(name: str, value: object, _model: str) -> None:
    if not isinstance(value, dict):
        raise _wrong(name, "a dictionary of training settings", value)
    for key in ("epochs", "batch_size"):
        if key in value and not _is_whole(value[key]):
            raise _wrong(f"{name}.{key}", "a whole number", value[key])
    if value.get("train_subset") is not None and not _is_whole(value["train_subset"]):
        raise _wrong(f"{name}.train_subset", "a whole number", value["train_subset"])
    for key in ("learning_rate", "lr_decay"):
        if key in value and not (_is_number(value[key]) and math.isfinite(value[key])):
            raise _wrong(f"{name}.{key}", "a finite number", value[key])
    if "seed" in value:
        _check_seed(f"{name}.seed", value["seed"])


_HISTORY_NUMBERS = ("train_loss", "train_accuracy", "test_loss", "test_accuracy")


def _check_history(name: str, value: object, _model: str) -> None:
    if not isinstance(value, list | tuple):
        raise _wrong(name, "a list of per-epoch records", value)
    for index, record in enumerate(value):
        where = f"{name}[{index}]"
        if not isinstance(record, dict):
            raise _wrong(where, "a dictionary", record)
        if "epoch" in record and not _is_whole(record["epoch"]):
            raise _wrong(f"{where}.epoch", "a whole number", record["epoch"])
        for key in _HISTORY_NUMBERS:
            if key in record and not _is_number(record[key]):
                raise _wrong(f"{where}.{key}", "a number", record[key])


def _check_compression(name: str, value: object, model_name: str) -> None:
    """Settings a model was compressed with: each field typed, then validated for the model."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise _wrong(name, "a dictionary of compression settings", value)
    layers = layer_names_for(model_name)
    controls = {control.field: control for control in all_controls()}
    for key, item in value.items():
        where = f"{name}.{key}" if key in controls or key == "layers" else name
        if key == "layers":
            names = item if isinstance(item, list | tuple) else None
            if item is not None and (names is None or any(n not in layers for n in names)):
                raise _wrong(where, f"a list of layers of the {model_name} model", item)
        elif key not in controls:
            raise MetadataError(f"{where} has an unknown setting {quoted(key)}")
        elif controls[key].kind == NUMBER and item is not None and not _is_number(item):
            raise _wrong(where, "a number", item)
        elif controls[key].kind == CHOICE and item not in controls[key].choices:
            raise _wrong(where, f"one of {', '.join(controls[key].choices)}", item)
        elif controls[key].kind == FLAG and not isinstance(item, bool):
            raise _wrong(where, "true or false", item)
    try:
        CompressionSettings.from_dict(value).validated(layers)
    except SettingsError as error:
        raise MetadataError(f"metadata field {name} is not valid: {error}") from None


def _check_ancestor(name: str, value: object, _model: str) -> None:
    if not isinstance(value, str | dict):
        raise _wrong(name, "text or the metadata of the model it was made from", value)


def _check_distillation(name: str, value: object, _model: str) -> None:
    """None (plain retraining) or the recipe a model was retrained with, valid as it is."""
    if value is None:
        return
    if not isinstance(value, dict) or set(value) - {"temperature", "alpha"}:
        raise _wrong(name, "a dictionary of temperature and alpha", value)
    for key, item in value.items():
        if not _is_number(item):
            raise _wrong(f"{name}.{key}", "a number", item)
    try:
        Distillation(**value).validated()
    except ValueError as error:
        raise MetadataError(f"metadata field {name} is not valid: {error}") from None


_FIELDS: dict[str, Callable[[str, object, str], None]] = {
    "dataset": _check_dataset,
    "train_config": _check_train_config,
    "history": _check_history,
    "test_accuracy": _check_accuracy,
    "compression": _check_compression,
    "finetuned_from": _check_ancestor,
    "distillation": _check_distillation,
    "command": _check_text,
    "baseline": _check_text,
    "file_format": _check_text,
}
