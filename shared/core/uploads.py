"""Image uploads straight from the client to S3 (presigned POST), then checked by their bytes."""
from __future__ import annotations

import logging
from typing import Any

from shared.core import aws
from shared.core.errors import InvalidUploadError
from shared.core.settings import get_settings

logger = logging.getLogger("tourbook.uploads")
MAX_IMAGE_BYTES = 5 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/webp")
EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
UPLOAD_TTL_SECONDS = 900
_SNIFF_BYTES = 262  # what filetype reads to recognise a format


def presigned_post(key: str, content_type: str, *, max_bytes: int = MAX_IMAGE_BYTES) -> dict[str, Any]:
    """A form the client posts the file with; S3 refuses another type or a larger body."""
    post = aws.s3().generate_presigned_post(
        Bucket=get_settings().uploads_bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=UPLOAD_TTL_SECONDS,
    )
    return {"url": post["url"], "fields": post["fields"]}


def verify_image(key: str, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """The uploaded object exists, is within the limit and its bytes are PNG, JPEG or WebP; its type."""
    import filetype
    from botocore.exceptions import ClientError

    bucket = get_settings().uploads_bucket
    try:
        head = aws.s3().head_object(Bucket=bucket, Key=key)
        if head["ContentLength"] > max_bytes:
            raise InvalidUploadError(f"The upload is larger than {max_bytes} bytes")
        start = aws.s3().get_object(Bucket=bucket, Key=key, Range=f"bytes=0-{_SNIFF_BYTES - 1}")["Body"].read()
    except ClientError:
        raise InvalidUploadError("Nothing was uploaded under this key") from None
    kind = filetype.guess_mime(start)
    if kind not in IMAGE_TYPES:
        raise InvalidUploadError("The upload is not a PNG, JPEG or WebP image")
    return str(kind)


def delete_objects(keys: list[str]) -> None:
    """Remove objects from the uploads bucket; one that cannot be removed now stays (logged, never an error:
    the database no longer names it)."""
    from botocore.exceptions import BotoCoreError, ClientError

    if not keys:
        return
    try:
        aws.s3().delete_objects(Bucket=get_settings().uploads_bucket,
                                Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})
    except (BotoCoreError, ClientError) as exc:
        logger.warning("could not delete %d uploaded objects: %s", len(keys), exc.__class__.__name__)


def public_urls(keys: list[str]) -> list[str]:
    """URLs to show objects: under PUBLIC_ASSETS_URL, else presigned GETs made now (never cached)."""
    settings = get_settings()
    if settings.public_assets_url:
        return [f"{settings.public_assets_url.rstrip('/')}/{key}" for key in keys]
    client = aws.s3()
    return [
        client.generate_presigned_url(
            "get_object", Params={"Bucket": settings.uploads_bucket, "Key": key},
            ExpiresIn=settings.presigned_url_ttl_seconds,
        )
        for key in keys
    ]


def ensure_bucket() -> None:
    """Create the uploads bucket if it is missing (local moto / LocalStack only)."""
    from botocore.exceptions import ClientError

    client, bucket = aws.s3(), get_settings().uploads_bucket
    try:
        client.head_bucket(Bucket=bucket)
    except ClientError:
        region = get_settings().aws_region
        options: Any = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        client.create_bucket(Bucket=bucket, **options)
