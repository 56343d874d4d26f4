"""Importing posts from a CSV file (upload, preview with each row's verdict, "Create N posts", the report) and the
CSV exports of posts and of the credit ledger."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tidings.bulk import exports, services
from tidings.bulk.csvfile import COLUMNS, MAX_BYTES, MAX_ROWS, check_size
from tidings.bulk.models import ImportJob, ImportStatus
from tidings.core.errors import DomainError, NotFound
from tidings.web.auth import acting
from tidings.workspaces.roles import Action, RoleTooLow


class ImportForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text=f"UTF-8 CSV, at most {MAX_BYTES // 1024} KB and {MAX_ROWS} posts."
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """The upload form; a file sent is previewed and kept, and the preview page opens."""
    actor = acting(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size or 0)
            job = services.start_import(actor, file_name=upload.name or "", data=upload.read())
        except (RoleTooLow, NotFound):
            raise
        except DomainError as refusal:
            form.add_error("file", refusal.message)
        else:
            return redirect("import-detail", import_id=job.pk)
    recent = ImportJob.objects.filter(workspace=actor.workspace).exclude(status=ImportStatus.PREVIEWED)[:5]
    context = {"form": form, "columns": COLUMNS, "may_import": actor.may(Action.DRAFT), "recent": recent}
    return render(request, "web/imports/upload.html", context)


@login_required
@require_GET
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview (before "Create") or the report (after), one line per row."""
    actor = acting(request)
    job = services.get_import(actor.workspace, import_id)
    lines = job.outcomes
    context = {
        "job": job,
        "lines": lines,
        "ready": sum(1 for line in lines if line["ok"]),
        "refused": sum(1 for line in lines if not line["ok"] and not line["created"]),
        "previewing": job.status == ImportStatus.PREVIEWED,
        "may_import": actor.may(Action.DRAFT),
        "proposing": actor.needs_approval,
    }
    return render(request, "web/imports/detail.html", context)


@login_required
@require_POST
def import_create(request: HttpRequest, import_id: int) -> HttpResponse:
    actor = acting(request)
    try:
        job = services.commit_import(actor, import_id)
    except (RoleTooLow, NotFound):
        raise
    except DomainError as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{job.created_count} created, {job.refused_count} refused.")
    return redirect("import-detail", import_id=import_id)


@login_required
@require_GET
def import_report(request: HttpRequest, import_id: int) -> StreamingHttpResponse:
    job = services.get_import(acting(request).workspace, import_id)
    return exports.csv_download(exports.report_rows(job), f"import-{job.pk}-report.csv")


@login_required
@require_GET
def export_posts(request: HttpRequest) -> StreamingHttpResponse:
    return exports.csv_download(exports.post_rows(acting(request)), "posts.csv")


@login_required
@require_GET
def export_ledger(request: HttpRequest) -> StreamingHttpResponse:
    return exports.csv_download(exports.ledger_rows(acting(request)), "ledger.csv")


urls = [
    path("imports/", import_page, name="imports"),
    path("imports/<int:import_id>/", import_detail, name="import-detail"),
    path("imports/<int:import_id>/create/", import_create, name="import-create"),
    path("imports/<int:import_id>/report.csv", import_report, name="import-report"),
    path("exports/posts.csv", export_posts, name="export-posts"),
    path("exports/ledger.csv", export_ledger, name="export-ledger"),
]
