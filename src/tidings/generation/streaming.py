"""One generation streamed as the provider writes it, with the same limit, logging and give-back as the rest."""

import time
from collections.abc import Generator, Iterator, Sequence

from tidings.generation.drafts import Draft, build_draft
from tidings.generation.logs import elapsed_ms, error_text, record_generation
from tidings.generation.models import GenerationOutcome
from tidings.generation.quota import Reservation, give_back
from tidings.generation.writers.base import Completion, CompletionStream, Message, Writer
from tidings.workspaces.models import Workspace

CLOSED_EARLY = "The stream was closed before the answer was complete."


class GenerationStream:
    """Iterate for the text chunks; afterwards `draft` holds the finished draft.

    The generation is counted before the stream is made (see services.stream_generation). A provider failure
    gives it back and is raised from the iteration. A reader that goes away mid-answer keeps it counted (the
    provider was writing for them) and the call is logged as an error; a stream closed before it began gives it
    back. `close` is what Django's StreamingHttpResponse calls when the response ends.
    """

    def __init__(
        self,
        workspace: Workspace,
        writer: Writer,
        reservation: Reservation,
        *,
        action: str,
        platform: str,
        messages: Sequence[Message],
        max_tokens: int,
        temperature: float,
    ) -> None:
        self.workspace, self.writer, self.reservation = workspace, writer, reservation
        self.action, self.platform, self.messages = action, platform, messages
        self.max_tokens, self.temperature = max_tokens, temperature
        self.draft: Draft | None = None
        self._chunks: Generator[str, None, None] | None = None
        self._began = False

    def __iter__(self) -> Iterator[str]:
        if self._chunks is None:
            self._chunks = self._run()
        return self._chunks

    def close(self) -> None:
        if self._began:
            if self._chunks is not None:
                self._chunks.close()
            return
        self._began = True  # nothing will run now
        give_back(self.reservation)

    def _run(self) -> Generator[str, None, None]:
        if self._began:
            return
        self._began = True
        started = time.monotonic()
        stream: CompletionStream | None = None
        try:
            stream = self.writer.stream(self.messages, max_tokens=self.max_tokens, temperature=self.temperature)
            yield from stream
        except GeneratorExit:
            if stream is not None:
                stream.close()
            self._log(GenerationOutcome.ERROR, started, error=CLOSED_EARLY)
            raise
        except Exception as error:
            self._log(GenerationOutcome.ERROR, started, error=error_text(error))
            give_back(self.reservation)
            raise
        completion = stream.completion
        assert completion is not None, "a finished stream has its completion"
        self._log(GenerationOutcome.OK, started, completion=completion)
        self.draft = build_draft(self.platform, completion.text, truncated=completion.truncated)

    def _log(
        self, outcome: GenerationOutcome, started: float, *, completion: Completion | None = None, error: str = ""
    ) -> None:
        record_generation(
            self.workspace,
            self.writer.config,
            action=self.action,
            platform=self.platform,
            outcome=outcome,
            completion=completion,
            latency_ms=elapsed_ms(started),
            error=error,
        )
