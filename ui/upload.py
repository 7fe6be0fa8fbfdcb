"""Use your own model: an uploaded ``.pt`` or ``.cxm`` file becomes this person's baseline.

The file is read by :func:`compression.files.model_file.load_model_file` (size limit first,
nothing unpickled or run). It is handled once, when the upload changes (a widget
callback), never again on reruns. A good file joins this person's models in
``st.session_state`` under a key made from its bytes, so the same file twice is one
entry; a bad file leaves one error sentence on screen and changes nothing. The file's
name and anything quoted from it are shortened and shown as plain text, not Markdown.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import MutableMapping

import streamlit as st

from compression.files.checkpoint import CheckpointError
from compression.files.model_file import MAX_MODEL_FILE_BYTES, load_model_file
from compression.files.quoting import NAME_LIMIT
from compression.files.quoting import shortened as file_name_shortened
from compression.models import MODEL_TITLES
from ui.controls import keys
from ui.safe_text import MESSAGE_LIMIT, shortened, shown
from ui.state import baselines
from ui.state.baselines import Baseline

_LOGGER = logging.getLogger(__name__)
UPLOAD_KEY = keys.UPLOAD
_ERROR = keys.UPLOAD_ERROR
LIMIT_MB = MAX_MODEL_FILE_BYTES // 2**20  # Streamlit counts upload sizes in MiB
UPLOAD_LABEL = f"Use your own model (.pt or .cxm, up to {LIMIT_MB} MB)"
UPLOAD_HELP = (
    "A checkpoint made by `python -m compression train` (.pt) or a compressed model "
    f"downloaded from this app (.cxm), at most {MAX_MODEL_FILE_BYTES:,} bytes. It becomes "
    "your baseline in this browser session only. Nothing in the file is run: only "
    "tensors and plain data are read, and they must match the MLP or the CNN."
)


def uploaded_baseline(file_name: str, data: bytes) -> Baseline:
    """The baseline an uploaded file holds; ``CheckpointError`` (one sentence) if it is bad.

    The metadata was checked by the loader: ``dataset`` names a known data set and
    ``train_config.seed``, if present, is a whole number.
    """
    file_name = file_name_shortened(file_name, NAME_LIMIT)
    checkpoint = load_model_file(data, limit=MAX_MODEL_FILE_BYTES, name=file_name)
    dataset = checkpoint.metadata.get("dataset", "mnist")
    kind = "compact model" if checkpoint.metadata.get("file_format") == "compact" else "checkpoint"
    model_title = MODEL_TITLES[checkpoint.model_name]
    return Baseline(
        key=f"upload:{hashlib.sha256(data).hexdigest()[:20]}",
        model_name=checkpoint.model_name,
        state=checkpoint.state,
        title=f"{shortened(file_name)} (uploaded)",
        note=f"your {model_title}, uploaded as the {kind} {shortened(file_name)} "
        f"({len(data):,} bytes)",
        dataset=dataset,
        seed=int((checkpoint.metadata.get("train_config") or {}).get("seed", 0)),
        metadata=checkpoint.metadata,
    )


def handle_upload(session: MutableMapping, file_id: str, file_name: str, data: bytes) -> None:
    """Adopt the uploaded file as the baseline, or keep its error in ``session``."""
    try:
        baseline = uploaded_baseline(file_name, data)
    except CheckpointError as error:
        session[_ERROR] = (file_id, str(error))
        return
    except Exception:  # a file must never break the page; the cause goes to the server log
        _LOGGER.exception("an uploaded file could not be read")
        name = file_name_shortened(file_name, NAME_LIMIT)
        session[_ERROR] = (file_id, f"{name}: could not be read as a model file")
        return
    session.pop(_ERROR, None)
    baselines.add_own_baseline(baseline)


def _on_upload() -> None:
    uploaded = st.session_state.get(UPLOAD_KEY)
    if uploaded is None:  # the file was removed: the baseline stays
        st.session_state.pop(_ERROR, None)
        return
    handle_upload(st.session_state, uploaded.file_id, uploaded.name, uploaded.getvalue())


def model_uploader() -> None:
    """The file uploader, and the error of the file in it if that file was refused."""
    uploaded = st.file_uploader(
        UPLOAD_LABEL,
        type=["pt", "cxm"],
        key=UPLOAD_KEY,
        help=UPLOAD_HELP,
        on_change=_on_upload,
        max_upload_size=LIMIT_MB,
    )
    refused = st.session_state.get(_ERROR)
    if uploaded is not None and refused is not None and refused[0] == uploaded.file_id:
        st.error(f"This file was not used: {shown(refused[1], MESSAGE_LIMIT)}.")
