"""Every domain's models, so the metadata (Alembic, tests) sees the whole schema."""
from __future__ import annotations


def load_all() -> None:
    from shared.bookings import models as bookings  # noqa: F401
    from shared.core import idempotency, outbox  # noqa: F401
    from shared.favourites import models as favourites  # noqa: F401
    from shared.notifications import models as notifications, preferences  # noqa: F401
    from shared.oauth import models as oauth  # noqa: F401
    from shared.telegram import models as telegram  # noqa: F401
    from shared.reviews import models as reviews  # noqa: F401
    from shared.support import models as support  # noqa: F401
    from shared.tours import images, models as tours  # noqa: F401
    from shared.users import account_tokens, logins, models as users  # noqa: F401
