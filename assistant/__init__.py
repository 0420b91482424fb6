"""Answering, briefs, the optional LLM, settings and the front ends (CLI, Gradio)."""
