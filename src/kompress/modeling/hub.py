"""Upload a model folder to the Hugging Face hub (fails fast, before any work, offline)."""

from __future__ import annotations

import os
from pathlib import Path


class HubError(RuntimeError):
    """The hub cannot be used: no token, no network, or the upload failed."""


def check_hub(token: str | None) -> str:
    """Return the token after checking it against the hub, or raise a clear HubError."""
    token = token or os.environ.get("HF_TOKEN") or os.environ.get("HUGGING_FACE_HUB_TOKEN")
    if not token:
        raise HubError("--push-to-hub needs a token: pass --hf-token or set HF_TOKEN")
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise HubError("--push-to-hub with HF_HUB_OFFLINE=1: unset it to upload")
    from huggingface_hub import HfApi

    try:
        HfApi().whoami(token=token)
    except Exception as e:  # network errors and bad tokens look alike to the user: say both
        raise HubError(f"cannot reach the Hugging Face hub with this token ({type(e).__name__}); "
                       "check the network and the token") from e
    return token


def push_folder(folder: str | os.PathLike, repo_id: str, token: str) -> str:
    """Create ``repo_id`` if needed and upload ``folder``; returns the repo URL."""
    from huggingface_hub import HfApi

    api = HfApi(token=token)
    api.create_repo(repo_id, exist_ok=True, repo_type="model")
    api.upload_folder(folder_path=str(Path(folder)), repo_id=repo_id, repo_type="model",
                      commit_message="Upload Kompress model")
    return f"https://huggingface.co/{repo_id}"
