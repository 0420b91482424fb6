"""The Gradio front end; the only package that imports gradio (ruff TID251 exempts assistant/ui/)."""

from assistant.ui.app import ChatApp, launch

__all__ = ["ChatApp", "launch"]
