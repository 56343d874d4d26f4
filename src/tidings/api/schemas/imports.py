from datetime import datetime

from ninja import Field, Schema

from tidings.bulk.checks import Verdict
from tidings.bulk.models import ImportJob


class RowOut(Schema):
    row: int = Field(description="The row's number as a spreadsheet shows it (the header is row 1).")
    ok: bool = Field(description="It passed every check (in a preview), or was created.")
    created: bool
    reason: str = Field(description="Why it was refused; empty when it was not.")
    post_id: int | None
    scheduled_at_local: str = Field(description="YYYY-MM-DD HH:MM in the workspace's zone; empty for a draft.")


class ImportOut(Schema):
    id: int | None = Field(description="None for a dry run, which stores nothing.")
    file_name: str
    status: str = Field(description="preview (dry run), previewed, running or done")
    rows: int
    created: int
    refused: int
    created_at: datetime | None
    results: list[RowOut]

    @classmethod
    def of(cls, job: ImportJob) -> "ImportOut":
        results = [
            RowOut(
                row=line["row"],
                ok=bool(line.get("ok")),
                created=bool(line.get("created")),
                reason=line.get("reason", ""),
                post_id=line.get("post_id"),
                scheduled_at_local=line.get("when", ""),
            )
            for line in job.outcomes
        ]
        return cls(
            id=job.pk,
            file_name=job.file_name,
            status=job.status,
            rows=job.rows,
            created=job.created_count,
            refused=job.refused_count,
            created_at=job.created_at,
            results=results,
        )

    @classmethod
    def preview(cls, file_name: str, verdicts: list[Verdict], local: list[str]) -> "ImportOut":
        results = [
            RowOut(row=v.row, ok=v.ok, created=False, reason=v.reason, post_id=None, scheduled_at_local=when)
            for v, when in zip(verdicts, local, strict=True)
        ]
        refused = sum(1 for v in verdicts if not v.ok)
        return cls(
            id=None,
            file_name=file_name,
            status="preview",
            rows=len(verdicts),
            created=0,
            refused=refused,
            created_at=None,
            results=results,
        )
