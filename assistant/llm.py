"""The optional chat model, built from the settings: Ollama or any OpenAI-compatible server."""

from __future__ import annotations

import importlib.resources
from typing import TYPE_CHECKING

from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

# Fail fast: an unreachable backend must not stall the answer (we fall back to extractive).
MAX_RETRIES = 0


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """``ChatOllama`` or ``ChatOpenAI`` (with ``llm_base_url``) per ``llm_backend``; None if off."""
    if not settings.llm_enabled:
        return None
    if settings.llm_backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=settings.llm_model,
            base_url=settings.llm_base_url,
            temperature=settings.llm_temperature,
            num_predict=settings.llm_max_tokens,
            client_kwargs={"timeout": settings.llm_timeout},
        )
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        # Local OpenAI-compatible servers accept any key; the client insists on one.
        api_key=settings.llm_api_key or "not-needed",
        temperature=settings.llm_temperature,
        max_tokens=settings.llm_max_tokens,  # sent as OpenAI's newer "max_completion_tokens"
        # ... which llama.cpp's and other local servers ignore: they read "max_tokens".
        extra_body={"max_tokens": settings.llm_max_tokens} if settings.llm_base_url else None,
        timeout=settings.llm_timeout,
        max_retries=MAX_RETRIES,
    )


def load_prompt(settings: Settings | None, name: str) -> str:
    """The text of the prompt template ``name``: from ``settings.prompts_dir`` when set, else the
    one shipped with the package (``prompts/`` of the checkout, ``assistant.prompts`` installed)."""
    if settings is not None and settings.prompts_dir is not None:
        path = settings.prompts_dir / name
        if not path.exists():
            raise FileNotFoundError(f"prompt file missing: {path}")
        return path.read_text(encoding="utf-8").strip()
    resource = importlib.resources.files("assistant.prompts") / name
    if not resource.is_file():
        raise FileNotFoundError(f"prompt file missing: {name}")
    return resource.read_text(encoding="utf-8").strip()
