"""The OpenAI-compatible boundary: chat requests with bounded retries and one deadline per call.

The two calls made through it, answering and rewriting a brief's claims, are assistant/llm_calls.py.
"""

from __future__ import annotations

import contextlib
import queue
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

if TYPE_CHECKING:
    pass

OPENAI_BASE_URL = "https://api.openai.com/v1"
# The openai client refuses an empty api_key even for local servers, which ignore it.
PLACEHOLDER_API_KEY = "not-needed"
BACKOFF_FIRST = 0.5  # seconds before the first retry, doubled each time (as the openai client does)
BACKOFF_MAX = 8.0

T = TypeVar("T")


class LLMUnavailable(RuntimeError):
    """The endpoint failed or replied with nothing usable; str() is one line for Answer.notes."""


@dataclass(frozen=True)
class Message:
    """One chat message as sent to the endpoint."""

    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel:
    """One model behind an OpenAI-compatible /v1/chat/completions endpoint."""

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout: float = 60.0,
        max_retries: int = 2,
        temperature: float | None = 0.0,
    ) -> None:
        self.model = model
        self.base_url = (base_url or OPENAI_BASE_URL).rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.temperature = temperature
        # Retries are ours (max_retries=0 here): the client would also retry timeouts and connection
        # errors, multiplying the wait before the extractive fallback by (retries + 1), and would
        # honour a Retry-After of up to two minutes.
        # The request hook asks the transport to hand each new connection's socket to the call's deadline
        # (see _Deadline), so a server that trickles even its headers is cut off. No connection is kept
        # alive between calls: a reused one would connect no socket to hand over.
        # DefaultHttpxClient is httpx's Client under openai 2 and httpx2's under openai 3.
        http = openai.DefaultHttpxClient(
            timeout=timeout,
            # the Limits class of whichever httpx the client is built on (httpx or httpx2)
            limits=type(openai.DEFAULT_CONNECTION_LIMITS)(max_connections=100, max_keepalive_connections=0),
            event_hooks={"request": [_Deadline.trace]},
        )
        self._client = openai.OpenAI(
            api_key=api_key or PLACEHOLDER_API_KEY,
            base_url=self.base_url,
            timeout=timeout,
            max_retries=0,
            http_client=http,
        )

    def complete(self, messages: Sequence[Message]) -> str:
        """The reply's text, reasoning blocks removed, within `timeout` seconds in all; else LLMUnavailable."""
        # Drained, not next(): the worker marks the call finished only after its last item.
        (text,) = self._bounded(lambda: iter([self._complete(messages)]))
        return text

    def _complete(self, messages: Sequence[Message]) -> str:
        try:
            reply = self._with_retries(
                lambda: self._client.chat.completions.create(
                    model=self.model, messages=_sent(messages), temperature=self._temperature
                )
            )
            # A server that answers 200 with a non-JSON body comes back as a plain str, not a ChatCompletion.
            if not isinstance(reply, ChatCompletion) or not reply.choices:
                raise LLMUnavailable("the reply held no message")
            text = visible_text(_content(reply))
        except (openai.OpenAIError, ValueError) as error:  # a malformed JSON body raises a bare ValueError
            raise LLMUnavailable(_reason(error, self)) from error
        if not text.strip():
            raise LLMUnavailable("the reply was empty")
        return text

    def stream(self, messages: Sequence[Message]) -> Iterator[str]:
        """Text deltas as they arrive (reasoning blocks hidden), all within `timeout` seconds; LLMUnavailable if not."""
        return self._bounded(lambda: self._stream(messages))

    def _bounded(self, produce: Callable[[], Iterator[T]]) -> Iterator[T]:
        """produce()'s items, made in a worker thread, under one deadline for the whole call.

        httpx's timeout bounds each read, so a server that sends a byte every few seconds would hold a
        request for ever; here the caller stops waiting at the deadline and the request's socket is shut,
        which ends the worker's blocked read at once.
        """
        items: queue.Queue[tuple[bool, object]] = queue.Queue()
        deadline = _Deadline()

        def work() -> None:
            _Deadline.current.value = deadline
            try:
                for item in produce():
                    if deadline.expired:
                        return
                    items.put((True, item))
                deadline.finished = True
                items.put((False, None))
            except BaseException as error:  # handed to the caller's thread, raised there
                deadline.finished = True
                items.put((False, error))
            finally:
                _Deadline.current.value = None

        threading.Thread(target=work, daemon=True, name="llm-request").start()
        ends = time.monotonic() + self.timeout
        try:
            while True:
                try:
                    more, value = items.get(timeout=max(0.0, ends - time.monotonic()))
                except queue.Empty:
                    raise LLMUnavailable(f"timeout after {self.timeout:g} s") from None
                if not more:
                    if isinstance(value, BaseException):
                        raise value
                    return
                yield value  # type: ignore[misc]
        finally:
            deadline.expire()

    def _stream(self, messages: Sequence[Message]) -> Iterator[str]:
        received, shown, finished = "", "", False
        try:
            chunks = self._with_retries(
                lambda: self._client.chat.completions.create(
                    model=self.model, messages=_sent(messages), temperature=self._temperature, stream=True
                )
            )
            for chunk in chunks:
                if not chunk.choices:
                    continue  # e.g. a final usage-only chunk
                choice = chunk.choices[0]
                if choice.delta is not None and choice.delta.content:
                    received += choice.delta.content
                finished = finished or choice.finish_reason is not None
                visible = visible_text(received, partial=True)
                if visible.startswith(shown) and len(visible) > len(shown):
                    yield visible[len(shown) :]
                    shown = visible
        except LLMUnavailable:
            raise
        except Exception as error:  # mid-stream the HTTP layer's errors (httpx's) come through unwrapped
            raise LLMUnavailable(_reason(error, self)) from error
        # Every server sends a finish_reason on its last chunk; a stream that ends without one was cut.
        if not finished:
            raise LLMUnavailable("the reply stream was cut off before it finished")
        if not visible_text(received).strip():
            raise LLMUnavailable("the reply was empty")

    @property
    def _temperature(self) -> float | openai.Omit:
        # None sends no temperature at all: reasoning models reject any value but their default.
        return openai.omit if self.temperature is None else self.temperature

    def _with_retries(self, call: Callable[[], T]) -> T:
        """Call, retrying 429 and 5xx up to max_retries times with back-off (or the server's Retry-After)."""
        attempt = 0
        while True:
            try:
                return call()
            except openai.APIStatusError as error:
                status = error.status_code
                if status == 400 and self.temperature is not None and "temperature" in str(error.message).lower():
                    # Reasoning models (OpenAI's o-series and gpt-5) refuse any temperature but their own.
                    self.temperature = None
                    continue
                if not (status == 429 or status >= 500) or attempt >= self.max_retries:
                    raise LLMUnavailable(_status_reason(error, attempt, self.base_url)) from error
                wait = retry_after(error.response.headers)
                if wait is None:
                    wait = min(BACKOFF_FIRST * 2**attempt, BACKOFF_MAX) * (1 - 0.25 * random.random())
                elif wait > self.timeout:  # waiting longer than a request may take helps nobody
                    raise LLMUnavailable(f"HTTP {status}: the endpoint asks to retry after {wait:g} s") from error
                time.sleep(wait)
                attempt += 1


class _Deadline:
    """The end of one LLM call: when it expires before the call finished, the call's sockets are shut."""

    current = threading.local()  # the deadline of the call running in this thread, for the request hook

    def __init__(self) -> None:
        self.expired = False
        self.finished = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    @staticmethod
    def trace(request: Any) -> None:
        """httpx request hook: the transport reports the connection it opens, whose socket joins the deadline."""
        deadline = getattr(_Deadline.current, "value", None)
        if deadline is not None:
            request.extensions["trace"] = deadline._connected

    def _connected(self, event: str, info: dict[str, Any]) -> None:
        # httpcore's trace events; "connection.connect_tcp.complete" carries the new network stream,
        # before a byte of the request is sent or of the reply read.
        if event != "connection.connect_tcp.complete" or info.get("return_value") is None:
            return
        sock = info["return_value"].get_extra_info("socket")
        if sock is not None:
            self.track(sock)

    def track(self, sock: socket.socket) -> None:
        """Remember a socket of this call; shut it at once if the deadline has already passed."""
        with self._lock:
            self._sockets.append(sock)
            late = self.expired
        if late:
            self._shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            doomed = [] if self.finished else list(self._sockets)
        for sock in doomed:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        # shutdown, not close: it wakes a read blocked in another thread, which close does not.
        with contextlib.suppress(OSError):  # already closed by the client
            sock.shutdown(socket.SHUT_RDWR)


def _content(reply: ChatCompletion) -> str:
    """The first choice's text; a 200 reply of the wrong shape ("choices": "nope") is LLMUnavailable."""
    try:
        content = reply.choices[0].message.content
    except (AttributeError, IndexError, KeyError, TypeError) as error:
        raise LLMUnavailable("the reply was not shaped like a chat completion") from error
    if content is not None and not isinstance(content, str):
        raise LLMUnavailable("the reply was not shaped like a chat completion")
    return content or ""


def _sent(messages: Sequence[Message]) -> list[ChatCompletionMessageParam]:
    # The role is a Literal of three of the union's members, which mypy cannot pick between.
    return [{"role": m.role, "content": m.content} for m in messages]  # type: ignore[misc]


def retry_after(headers: object) -> float | None:
    """Seconds asked for by retry-after-ms or Retry-After (seconds or an HTTP date); None when absent."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            continue
    return None


def _status_reason(error: openai.APIStatusError, attempt: int, base_url: str) -> str:
    status = error.status_code
    tries = f" after {attempt + 1} tries" if attempt else ""
    if status == 429:
        return f"rate limited (HTTP 429){tries}"
    if status in (401, 403):
        return f"HTTP {status} from {base_url}: check BRIEFING_LLM_API_KEY"
    if status == 404:
        return f"HTTP 404 from {base_url}: check BRIEFING_LLM_BASE_URL (it ends in /v1) and BRIEFING_LLM_MODEL"
    if status < 500:  # the server's own words say what it refused
        return f"HTTP {status} from {base_url}: {' '.join(str(error.message).split())[:160]}"
    return f"HTTP {status} from {base_url}{tries}"


def _reason(error: Exception, chat: ChatModel) -> str:
    """One line for a person: what failed, in terms of the settings they can change."""
    if isinstance(error, LLMUnavailable):
        return str(error)
    # httpx's ReadTimeout and the like reach here unwrapped when a stream stalls; openai 2 uses httpx, 3 httpx2.
    if isinstance(error, openai.APITimeoutError | TimeoutError) or type(error).__name__.endswith("Timeout"):
        return f"timeout after {chat.timeout:g} s"
    if isinstance(error, openai.APIConnectionError):
        return f"cannot reach {chat.base_url}"
    if isinstance(error, ValueError):
        return "the reply was not valid JSON"
    if not isinstance(error, openai.OpenAIError):
        return f"the reply stream broke off ({type(error).__name__})"
    return " ".join(str(error).split())[:200] or type(error).__name__


_THINKING = re.compile(r"<think>.*?</think>", re.S)


def visible_text(text: str, partial: bool = False) -> str:
    """The reply without <think> blocks (reasoning models served by Ollama or llama.cpp emit them inline)."""
    text = _THINKING.sub("", text)
    opened = text.find("<think>")
    if opened >= 0:
        text = text[:opened]  # unclosed: still thinking, or cut off while thinking
    elif partial:
        # Hold back a trailing "<thi" that may yet become "<think>".
        tail = text.rfind("<")
        if tail >= 0 and "<think>".startswith(text[tail:]):
            text = text[:tail]
    return text.lstrip() if partial else text.strip()
