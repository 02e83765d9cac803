"""Files people upload, for tests: logos and target lists."""

from __future__ import annotations

import io

from PIL import Image

from tests.conftest import csrf_token

TARGETS_HEADER = "name,title,office,email,state,district\n"


def image_bytes(fmt: str, size=(800, 300), color=(47, 111, 98)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format=fmt)
    return out.getvalue()


def upload_logo(client, data: bytes, filename: str, **fields):
    """The partner profile form as an admin sends it, with a logo file."""
    form = {
        "mission": "Hope for families.",
        "website": "https://hope.example.org",
        "csrf_token": csrf_token(client, "/portal/profile"),
        **fields,
    }
    form["new_logo"] = (io.BytesIO(data), filename)
    return client.post("/portal/profile", data=form, content_type="multipart/form-data")


def upload_targets(client, content: bytes, filename="targets.csv", list_name=""):
    """The targets import form as a coordinator sends it."""
    return client.post(
        "/console/targets/import",
        data={
            "file": (io.BytesIO(content), filename),
            "list_name": list_name,
            "csrf_token": csrf_token(client, "/console/targets/import"),
        },
        content_type="multipart/form-data",
    )
