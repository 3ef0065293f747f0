"""Reviews as personal data (SPEC CAT-2, PRV-1 … PRV-4).

« Nous stockons aussi les commentaires ou avis, si vous choisissez d'en envoyer. » A review
holds its author's name and email (and their account, when signed in). :class:`ReviewsProvider`
exports every review written under the person's email or account.

On erasure, what the person *published* stays published without them: an approved review
keeps its text, rating and date, and loses the author's name, email and account link
(:meth:`~klickit_core.catalogue.domain.Review.anonymised`; the shop shows it unsigned).
Readers of a product page relied on it, and once unsigned it no longer says who wrote it.
A review never published (pending or rejected) is deleted outright: nobody relies on it.
The text itself is not rewritten: a person who signed the text, or wants it gone too, asks
the shop to take the review down (moderation).

The ``reviews.erased_authors`` rule (zero days from the author's erasure, anonymise) also
covers an author erased some other way: the account deleted for inactivity. The sweep
anonymises (or, if the shop chose ``delete``, deletes) every review still linked to an
account that no longer exists, at the first sweep after the deletion.

A published review does not keep its author for ever either (issue #19: every category
has a period). The ``reviews.published`` category and rule (three years from publication
by default, the moment staff approved it) anonymise it the same way: the author's name,
email and account link go, the text and the rating stay on the product page, unsigned.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from klickit_core.catalogue.domain import Review, ReviewState
from klickit_core.catalogue.ports import ReviewRepository
from klickit_core.personal_data import (
    CONSENT,
    CategoryErasure,
    ClockEvent,
    DataCategory,
    DataSubject,
    ErasureOutcome,
    ExportField,
    ExportRecord,
    ExportSection,
    FieldKind,
    PersonalDataProvider,
    PersonalField,
    RetentionAction,
    RetentionTerms,
    Shown,
    SweepBatch,
    SweepCursor,
    SweepTask,
    shown_code,
)
from klickit_core.shared.i18n import N_
from klickit_core.shared.sweeps import SweepKey
from klickit_core.shared.unit_of_work import Transaction

__all__ = [
    "PUBLISHED_CATEGORY",
    "PUBLISHED_RULE",
    "REVIEWS_CATEGORY",
    "REVIEWS_RULE",
    "ReviewsPrivacyUnitOfWork",
    "ReviewsProvider",
]

#: The category of reviews' authors, and the rule that governs an erased author.
REVIEWS_CATEGORY = "reviews.authors"
REVIEWS_RULE = "reviews.erased_authors"
#: The category of the authors of published reviews, and the rule that ends it.
PUBLISHED_CATEGORY = "reviews.published"
PUBLISHED_RULE = "reviews.published"


class ReviewsPrivacyUnitOfWork(Transaction, Protocol):
    """What :class:`ReviewsProvider` needs from the shop's unit of work."""

    @property
    def reviews(self) -> ReviewRepository:
        """The reviews."""
        ...


#: What the person reads for a review's moderation state (the JSON keeps the code).
_STATE_LABELS: dict[str, str] = {
    ReviewState.PENDING: N_("Waiting for moderation"),
    ReviewState.APPROVED: N_("Published"),
    ReviewState.REJECTED: N_("Not published"),
}


def _record(review: Review) -> ExportRecord:
    return ExportRecord(
        N_("Review"),
        f"{review.sku} {review.created_at.date().isoformat()}",
        (
            ExportField("product", N_("Product"), review.sku),
            ExportField("rating", N_("Rating"), review.rating),
            ExportField("text", N_("Review"), review.text, FieldKind.MULTILINE),
            ExportField("author_name", N_("Name shown"), review.author_name),
            ExportField("author_email", N_("Email"), review.author_email, FieldKind.EMAIL),
            ExportField("written_at", N_("Written at"), review.created_at),
            ExportField(
                "state",
                N_("Moderation"),
                review.state.value,
                shown=shown_code(_STATE_LABELS, review.state),
            ),
            ExportField("moderated_at", N_("Moderated at"), review.moderated_at),
        ),
        shown=(Shown.plain(f"{review.sku}, "), Shown.day(review.created_at)),
    )


def _authored(uow: ReviewsPrivacyUnitOfWork, subject: DataSubject) -> list[Review]:
    return [
        review
        for review in uow.reviews.by_author(subject.email, subject.customer_id)
        if not review.is_anonymised
    ]


class ReviewsProvider(PersonalDataProvider[ReviewsPrivacyUnitOfWork]):
    """Reviews and their authors: export, erasure (unsigning), the orphan sweep, and the
    unsigning of reviews published longer ago than ``reviews.published``."""

    @property
    def name(self) -> str:
        return "reviews"

    def categories(self) -> Sequence[DataCategory]:
        return (
            DataCategory(
                REVIEWS_CATEGORY,
                N_("Reviews"),
                N_(
                    "The reviews you sent, with the name and email you gave. If your data "
                    "is erased, a published review stays, unsigned; an unpublished one is "
                    "deleted."
                ),
                (
                    PersonalField("author_name", N_("Name shown")),
                    PersonalField("author_email", N_("Email")),
                    PersonalField("text", N_("Review")),
                    PersonalField("rating", N_("Rating")),
                ),
                REVIEWS_RULE,
                ClockEvent.ERASURE,
                CONSENT,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
            DataCategory(
                PUBLISHED_CATEGORY,
                N_("Authors of published reviews"),
                N_(
                    "The name shown with a review you published, your email and your "
                    "account: at the end of the period shown they are removed, and the "
                    "review stays on the shop, unsigned."
                ),
                (
                    PersonalField("author_name", N_("Name shown")),
                    PersonalField("author_email", N_("Email")),
                    PersonalField("customer_account", N_("Customer account")),
                ),
                PUBLISHED_RULE,
                ClockEvent.PUBLICATION,
                CONSENT,
                frozenset({RetentionAction.ANONYMISE, RetentionAction.DELETE}),
            ),
        )

    def export(
        self, uow: ReviewsPrivacyUnitOfWork, subject: DataSubject
    ) -> Sequence[ExportSection]:
        found = _authored(uow, subject)
        if not found:
            return []
        records = tuple(_record(review) for review in found)
        return [ExportSection(self.name, REVIEWS_CATEGORY, N_("Reviews"), records)]

    def erase(
        self,
        uow: ReviewsPrivacyUnitOfWork,
        subject: DataSubject,
        *,
        now: datetime,
        retention: RetentionTerms,
        dry_run: bool,
    ) -> ErasureOutcome:
        del now, retention  # the author's data is erased at once (zero days)
        deleted = anonymised = 0
        for review in _authored(uow, subject):
            if review.state is ReviewState.APPROVED:
                anonymised += 1
                if not dry_run:
                    uow.reviews.save(review.anonymised())
            else:
                deleted += 1
                if not dry_run:
                    uow.reviews.delete(review.id)
        erased = CategoryErasure(REVIEWS_CATEGORY, deleted=deleted, anonymised=anonymised)
        return ErasureOutcome(self.name, (erased,))

    def sweep_batch(
        self,
        uow: ReviewsPrivacyUnitOfWork,
        task: SweepTask,
        *,
        after: SweepCursor | None,
        limit: int,
        dry_run: bool,
    ) -> SweepBatch:
        anonymise = task.action is RetentionAction.ANONYMISE
        position = SweepKey.from_cursor(after)
        if task.category_id == PUBLISHED_CATEGORY:
            page = uow.reviews.sweep_published(
                task.cutoff, after=position, limit=limit, anonymise=anonymise, dry_run=dry_run
            )
        else:
            page = uow.reviews.sweep_orphan_authors(
                after=position,
                limit=limit,
                anonymise=anonymise,
                dry_run=dry_run,
                published_before=task.cutoff_of(PUBLISHED_CATEGORY),
            )
        return page.batch(task.category_id, anonymised=anonymise)
