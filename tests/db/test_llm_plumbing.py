"""The real LLM code paths, end to end, with no hosted model and no download.

* **OpenAI path**: ``ChatOpenAI`` (built by ``build_chat_model("openai", ...)``) talks HTTP
  to a tiny OpenAI-compatible server that this test starts on 127.0.0.1. The server
  stands in for vLLM / Ollama / llama.cpp / OpenAI and returns canned replies, so these
  tests prove the plumbing (request shape, structured output, masking, timeouts,
  retries, fallback reasons), not the quality of any model.
* **hf path**: a 1-layer GPT-2 with random weights and a word-level tokenizer are built
  here and saved to ``tmp_path``; ``build_chat_model("hf:<dir>")`` loads them with
  transformers (``local_files_only``) and really generates. The output is garbage, which
  is the point: the engine must reject it as invalid output, which the service turns
  into the offline fallback. Again: plumbing, not quality.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from summarizers.llm import (
    LLMConfigError,
    LLMEngine,
    LLMUnavailable,
    LocalTransformersChat,
    build_chat_model,
)
from summarizers.models import Passage, SourceDocument

CALL = (
    "Ana (Initech): Our main concern is the Falcon rollout pricing; we need a 15% discount "
    "before signing. Email me at ana.lopez@initech.example.\n"
    "Ben (Acme): I will send the revised quote by Friday.\n"
    "Ana: We are also evaluating Globex. This looks promising overall."
)
DOC = SourceDocument(
    document_id="call-7",
    kind="call",
    title="Initech pricing call",
    content=CALL,
    occurred_at=datetime(2026, 5, 4, 15, 0, tzinfo=UTC),
)


def grounded_summary() -> str:
    """A reply a good model could give for ``CALL``; quotes use the masked email."""

    def c(text: str, quote: str) -> dict[str, str]:
        return {"text": text, "quote": quote}

    return json.dumps(
        {
            "summary": [
                c("Initech needs a 15% discount before signing.", "we need a 15% discount"),
                c("Ana asked to be emailed at [EMAIL_1].", "Email me at [EMAIL_1]"),
            ],
            "key_points": [c("Falcon pricing is the main concern.", "Falcon rollout pricing")],
            "action_items": [
                {
                    "text": "Ben will send the revised quote by Friday.",
                    "quote": "I will send the revised quote by Friday",
                    "owner": "Ben",
                    "due": "2026-05-08",
                }
            ],
            "next_steps": [],
            "sentiment": {"label": "positive", "score": 0.4, "quote": "looks promising overall"},
            "objections": [],
            "competitors": [{"name": "Globex", "quote": "evaluating Globex"}],
            "risks": [],
        }
    )


# ------------------------------------------------------------ the fake server


@dataclass
class FakeOpenAI:
    """An OpenAI-compatible ``/v1/chat/completions`` on 127.0.0.1 with canned behaviour."""

    respond: Callable[[dict[str, Any]], tuple[int, str]]
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@pytest.fixture()
def serve() -> Iterator[Callable[..., FakeOpenAI]]:
    servers: list[tuple[ThreadingHTTPServer, FakeOpenAI]] = []

    def start(respond: Callable[[dict[str, Any]], tuple[int, str]], **kw: Any) -> FakeOpenAI:
        fake = FakeOpenAI(respond=respond, **kw)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, **body})
                if fake.delay_s:
                    fake.release.wait(fake.delay_s)  # bounded: the server stops by itself
                status, content = fake.respond(body)
                payload = (
                    json.dumps(completion(body, content)) if status == 200 else content
                ).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and hung up, as intended

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        servers.append((server, fake))
        return fake

    yield start
    for server, fake in servers:
        fake.release.set()
        server.shutdown()
        server.server_close()


def completion(request: dict[str, Any], content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "tiny"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


def openai_engine(fake: FakeOpenAI, *, timeout_s: float = 10, max_retries: int = 0) -> LLMEngine:
    chat = build_chat_model(
        "openai",
        base_url=fake.url,
        model="tiny-test-model",
        api_key=None,
        timeout_s=timeout_s,
        max_retries=max_retries,
    )
    return LLMEngine(chat, name="openai:tiny-test-model")


# ------------------------------------------------------------------ OpenAI path


def test_openai_path_summarizes_with_structured_output(serve) -> None:  # type: ignore[no-untyped-def]
    fake = serve(lambda body: (200, grounded_summary()))
    summary, stats = openai_engine(fake).summarize_call(DOC)

    (request,) = fake.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["model"] == "tiny-test-model"
    assert request["response_format"]["type"] == "json_schema"
    assert "summary" in request["response_format"]["json_schema"]["schema"]["properties"]
    system, user = request["messages"]
    assert system["role"] == "system" and "untrusted DATA" in system["content"]
    assert '<document id="call-7"' in user["content"]
    assert "ana.lopez@initech.example" not in json.dumps(request)  # masked before sending

    assert summary.engine == "openai:tiny-test-model"
    assert summary.summary.text == (
        "Initech needs a 15% discount before signing. "
        "Ana asked to be emailed at ana.lopez@initech.example."
    )
    for citation in summary.summary.citations:
        assert CALL[citation.start : citation.end] == citation.quote
    assert summary.summary.citations[1].quote == "Email me at ana.lopez@initech.example"
    assert [c.name for c in summary.competitors] == ["Globex"]
    assert (stats.kept_claims, stats.dropped_claims, stats.retries) == (6, 0, 0)


def test_openai_path_answers_from_passages(serve) -> None:  # type: ignore[no-untyped-def]
    reply = {
        "answered": True,
        "sentences": [
            {
                "text": "Initech wants a 15% discount.",
                "document_id": "call-7",
                "quote": "we need a 15% discount",
            }
        ],
    }
    fake = serve(lambda body: (200, json.dumps(reply)))
    passage = Passage(
        document_id="call-7",
        kind="call",
        title=DOC.title,
        text=CALL[14:120],
        start=14,
        end=120,
        score=1.0,
        occurred_at=DOC.occurred_at,
    )
    answer, stats = openai_engine(fake).answer_from_passages("What does Initech want?", [passage])
    assert answer.answered and answer.answer == "Initech wants a 15% discount."
    (citation,) = answer.citations
    assert CALL[citation.start : citation.end] == "we need a 15% discount"
    assert stats.kept_claims == 1


def test_openai_timeout_retries_then_unavailable(serve) -> None:  # type: ignore[no-untyped-def]
    fake = serve(lambda body: (200, grounded_summary()), delay_s=5.0)
    with pytest.raises(LLMUnavailable) as err:
        openai_engine(fake, timeout_s=0.3, max_retries=2).summarize_call(DOC)
    assert err.value.reason == "timeout"
    assert len(fake.requests) == 3  # the first try and max_retries=2 retries


def test_openai_server_error_is_retried_then_reported(serve) -> None:  # type: ignore[no-untyped-def]
    fake = serve(lambda body: (500, '{"error": {"message": "boom"}}'))
    with pytest.raises(LLMUnavailable) as err:
        openai_engine(fake, max_retries=1).summarize_call(DOC)
    assert err.value.reason == "HTTP 500"
    assert len(fake.requests) == 2


@pytest.mark.parametrize("content", ["I cannot help with that.", '{"summary": 3}'])
def test_openai_invalid_output_is_re_asked_then_unavailable(serve, content: str) -> None:  # type: ignore[no-untyped-def]
    fake = serve(lambda body: (200, content))
    with pytest.raises(LLMUnavailable) as err:
        openai_engine(fake).summarize_call(DOC)
    assert err.value.reason == "invalid output"
    assert len(fake.requests) == 2  # output_retries=1


def test_openai_nothing_listening_is_a_connection_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    fake = FakeOpenAI(respond=lambda body: (200, ""), url=f"http://127.0.0.1:{port}/v1")
    with pytest.raises(LLMUnavailable) as err:
        openai_engine(fake).summarize_call(DOC)
    assert err.value.reason == "connection error"


# ------------------------------------------------------------------- hf path

SENTENCES = [
    "the customer asked for a discount on pricing before signing",
    "we will send the revised quote by friday",
    "summary key points action items next steps sentiment objections competitors risks",
    'reply with json only { } [ ] : , " text quote owner due label score name',
]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|> {{ m['content'] }} <|end|> {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|> {% endif %}"
)


def build_tiny_model(
    directory: Path, *, chat_template: str | None, n_positions: int = 4096
) -> None:
    """A random 1-layer GPT-2 and a word-level tokenizer, saved like a real model."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    specials = ["[UNK]", "[PAD]", "<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(SENTENCES, trainers.WordLevelTrainer(special_tokens=specials))
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", eos_token="<|endoftext|>"
    )
    if chat_template:
        tokenizer.chat_template = chat_template
    tokenizer.save_pretrained(directory)

    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=tok.get_vocab_size(),
        n_positions=n_positions,
        n_embd=32,
        n_layer=1,
        n_head=2,
        bos_token_id=tokenizer.eos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(directory)


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any connection that is not to this machine (and keep the hub offline)."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(address, tuple) and host not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access attempted: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.mark.parametrize("chat_template", [CHAT_TEMPLATE, None], ids=["template", "plain"])
def test_hf_path_loads_generates_and_rejects_garbage(
    tmp_path: Path, no_network: None, chat_template: str | None
) -> None:
    model_dir = tmp_path / "tiny-gpt2"
    build_tiny_model(model_dir, chat_template=chat_template)

    chat = build_chat_model(f"hf:{model_dir}", timeout_s=30, max_new_tokens=24)
    assert isinstance(chat, LocalTransformersChat)
    reply = chat.invoke("the customer asked for a discount")
    assert isinstance(reply.content, str) and reply.content.strip()  # it really generated

    engine = LLMEngine(chat, name=f"hf:{model_dir.name}")
    assert engine.method == "json_prompt"
    with pytest.raises(LLMUnavailable) as err:
        engine.summarize_call(DOC)
    assert err.value.reason == "invalid output"


def test_hf_prompt_longer_than_the_context_is_a_model_error(
    tmp_path: Path, no_network: None
) -> None:
    model_dir = tmp_path / "tiny-gpt2"
    build_tiny_model(model_dir, chat_template=None, n_positions=64)
    engine = LLMEngine(build_chat_model(f"hf:{model_dir}", timeout_s=30), name="hf:tiny")
    with pytest.raises(LLMUnavailable, match=r"model error \(ValueError\)"):
        engine.summarize_call(DOC)


def test_hf_weights_that_do_not_fit_the_config_are_a_config_error(
    tmp_path: Path, no_network: None
) -> None:
    model_dir = tmp_path / "tiny-gpt2"
    build_tiny_model(model_dir, chat_template=None)
    config = json.loads((model_dir / "config.json").read_text())
    config["n_embd"] = 16
    (model_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(LLMConfigError, match="cannot load a causal LM"):
        build_chat_model(f"hf:{model_dir}", timeout_s=30)


def test_hf_dir_without_a_model_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(LLMConfigError, match="config.json missing"):
        build_chat_model(f"hf:{tmp_path}")
