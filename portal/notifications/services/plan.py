"""Planning: which reminder steps are due now, for whom, on which channel, in what shape.

For each enabled rule, under a lock on the rule's row (PostgreSQL: SELECT ... FOR UPDATE; SQLite:
the write transaction itself), the planner reads where each task's reminders stand
(``ReminderState``), decides the due steps (first, repeat n, escalation), and writes delivery rows,
their items and the advanced state in one transaction; sends are enqueued on commit. A second
scan finds the state advanced and plans nothing; racing planners meet the unique constraints.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from portal.notifications.models import (
    Acknowledgement,
    Channel,
    DeliveryItem,
    ReminderState,
    Rule,
    ScanRun,
    SiteScan,
    WatchedTask,
    before_due_minutes,
    before_due_step,
    is_before_due,
)
from portal.notifications.services.preferences import BEFORE_DUE, DIGEST, OVERDUE, PersonChannels
from portal.notifications.services.preferences import ESCALATION as ESCALATION_KIND
from portal.notifications.services.recipients import Directory, Person, zone_or
from portal.notifications.timing import (
    ALL_DAYS,
    ESCALATION,
    Sent,
    Timing,
    Window,
    before_due_step_due,
    escalation_due,
    escalation_next_due,
    next_open,
    next_step,
)

log = logging.getLogger(__name__)


StateKey = tuple[int, str, int, int, str]  # channel, recipient, site, task, episode


@dataclass
class StateRow:
    """Where one task's reminders stand for one recipient (a ReminderState row, light)."""

    pk: int | None
    last_step: int | None = None
    last_at: datetime | None = None
    escalated_at: datetime | None = None
    escalated_next_at: datetime | None = None


def states_load(rule: Rule) -> dict[StateKey, StateRow]:
    rows = ReminderState.objects.filter(rule=rule).values_list(
        "pk", "channel_id", "recipient", "site_id", "task_id", "episode", "last_step", "last_at",
        "escalated_at", "escalated_next_at",
    )  # fmt: skip
    return {
        (c, r, s, t, e): StateRow(pk, step, at, esc, nxt)
        for pk, c, r, s, t, e, step, at, esc, nxt in rows
    }


AckKey = tuple[int, str, str]  # site, task, episode


def acknowledged_load(site_ids: list[int]) -> set[AckKey]:
    rows = Acknowledgement.objects.filter(site_id__in=site_ids).values_list(
        "site_id", "task_id", "episode"
    )
    return set(rows)


@dataclass(frozen=True)
class Recipient:
    channel: Channel
    address: str  # "" for the channel's own destination
    name: str
    language: str
    time_zone: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.channel.pk, self.address)


@dataclass
class PlannedItem:
    task: WatchedTask
    step: int
    # What the step belongs to: the task's episode of lateness, or for a "before due" step
    # the due time (``WatchedTask.due_episode``).
    episode: str = ""

    def __post_init__(self) -> None:
        self.episode = self.episode or self.task.episode


@dataclass
class PlannedDelivery:
    rule: Rule
    recipient: Recipient
    items: list[PlannedItem]
    context: list[WatchedTask] = field(default_factory=list)
    send_after: datetime | None = None
    held_reason: str = ""
    shape: str = Rule.Shape.DIGEST


def rule_timing(rule: Rule) -> Timing:
    return Timing(
        first_after=timedelta(minutes=rule.first_after_minutes),
        repeat_every=timedelta(hours=rule.repeat_every_hours) if rule.repeat_every_hours else None,
        max_repeats=rule.max_repeats,
        escalate_after=(
            timedelta(hours=rule.escalate_after_hours) if rule.escalate_after_hours else None
        ),
    )


def rule_window(rule: Rule) -> Window:
    days = frozenset(int(d) for d in rule.working_days) if rule.working_days else ALL_DAYS
    return Window(quiet_start=rule.quiet_start, quiet_end=rule.quiet_end, working_days=days)


def email_channel() -> Channel:
    """The SMTP channel people are reached by unless a rule picks a Slack bot."""
    channel = Channel.objects.filter(kind=Channel.Kind.EMAIL).order_by("pk").first()
    if channel is None:
        channel, _ = Channel.objects.get_or_create(
            name="Email", defaults={"kind": Channel.Kind.EMAIL}
        )
    return channel


def in_scope(rule: Rule, task: WatchedTask, site_ids: set[int] | None) -> bool:
    if site_ids is not None and task.site_id not in site_ids:
        return False
    if not rule.wants(task.bucket) and not (rule.before_due and task.due_date is not None):
        return False
    if rule.priorities and task.priority not in rule.priorities:
        return False
    return not (rule.task_types and task.task_type not in rule.task_types)


class _RulePlanner:
    def __init__(
        self, rule: Rule, directory: Directory, now: datetime, states: dict[StateKey, StateRow],
        acknowledged: set[AckKey],
    ) -> None:  # fmt: skip
        self.rule = rule
        self.directory = directory
        self.now = now
        self.timing = rule_timing(rule)
        self.window = rule_window(rule)
        person_channel = rule.person_channel or email_channel()
        usable = person_channel.enabled and person_channel.reaches_people
        self.person_channel = person_channel if usable else None
        self.broadcasts = [c for c in rule.broadcast_channels.all() if c.enabled]
        self.person_channels = PersonChannels()  # each person's choice of channels per kind
        self.states = states
        self.acknowledged = acknowledged
        self.before = rule.before_due
        self.next_after = (
            timedelta(hours=rule.escalate_next_after_hours)
            if rule.escalate_next_after_hours
            else None
        )
        # Overdue or late tasks this rule has someone to remind of (the overview's coverage).
        self.covered: set[tuple[int, str]] = set()
        self.due: dict[tuple[int, str], list[PlannedItem]] = defaultdict(list)
        self.context: dict[tuple[int, str], list[WatchedTask]] = defaultdict(list)
        self.recipients: dict[tuple[int, str], Recipient] = {}

    def _person(self, person: Person, kind: str) -> list[Recipient]:
        if self.directory.opted_out_of(person.address):
            return []
        language = person.language or self.rule.language
        channels = self.person_channels.channels_for(
            address=person.address, kind=kind, default=self.person_channel
        )
        return [
            Recipient(channel, person.address, person.name, language, person.time_zone)
            for channel in channels
        ]

    def _channel(self, channel: Channel) -> Recipient:
        zone = zone_or(self.rule.time_zone, "UTC")
        return Recipient(channel, "", channel.name, self.rule.language, zone)

    def recipients_of(
        self, task: WatchedTask, kind: str | None = None
    ) -> tuple[list[Recipient], list[Recipient], list[Recipient]]:
        """(regular recipients, the team lead's level, the further level) of one task; each
        person through the channels they chose for this kind of message."""
        regular: list[Recipient] = []
        people: list[Person] = []
        unassigned = not task.assignees
        if self.rule.assignees:
            people += [p for a in task.assignees if (p := self.directory.assignee(task.site_id, a))]
        if unassigned:
            # Nobody's team: the leads of the teams working on the site stand in for it.
            leads = self.directory.site_leads(task.site_id)
        else:
            leads = self.directory.leads(task.site_id, task.assignees)
        if self.rule.team_leads:
            people += leads
        channels = list(self.broadcasts)
        if unassigned:
            people += self._unassigned_people(task)
            channel = self.rule.unassigned_channel
            to_channel = self.rule.unassigned_to == Rule.Unassigned.CHANNEL
            if to_channel and channel is not None and channel.enabled and channel not in channels:
                channels.append(channel)
        for address in self.rule.fixed_addresses:
            people.append(
                self.directory.fixed(
                    address, language=self.rule.language, time_zone=self.rule.time_zone
                )
            )
        if kind is None:
            kind = DIGEST if self.rule.shape == Rule.Shape.DIGEST else OVERDUE
        for person in people:
            for recipient in self._person(person, kind):
                if recipient not in regular:
                    regular.append(recipient)
        regular += [self._channel(c) for c in channels]
        escalation = [r for p in leads for r in self._person(p, ESCALATION_KIND)]
        return regular, escalation, self._further()

    def _unassigned_people(self, task: WatchedTask) -> list[Person]:
        rule = self.rule
        if rule.unassigned_to == Rule.Unassigned.PERSON and rule.unassigned_address:
            return [
                self.directory.fixed(
                    rule.unassigned_address, language=rule.language, time_zone=rule.time_zone
                )
            ]
        if rule.unassigned_to == Rule.Unassigned.TEAM_LEAD:
            return self.directory.site_leads(task.site_id)
        return []

    def _further(self) -> list[Recipient]:
        if self.next_after is None:
            return []
        found: list[Recipient] = []
        rule = self.rule
        if rule.escalate_next_address:
            person = self.directory.fixed(
                rule.escalate_next_address, language=rule.language, time_zone=rule.time_zone
            )
            found += self._person(person, ESCALATION_KIND)
        channel = rule.escalate_next_channel
        if channel is not None and channel.enabled:
            found.append(self._channel(channel))
        return found

    def state(self, recipient: Recipient, task: WatchedTask) -> StateRow | None:
        return self.states.get(
            (recipient.channel.pk, recipient.address, task.site_id, task.task_id, task.episode)
        )

    def consider(self, task: WatchedTask) -> None:
        regular, escalation, further = self.recipients_of(task)
        if self.rule.wants(task.bucket):
            if regular:
                self.covered.add((task.site_id, task.task_id))
            self._overdue_steps(task, regular, escalation, further)
        if self.before and task.due_date is not None and task.due_date > self.now:
            self._before_due_steps(task, self.recipients_of(task, BEFORE_DUE)[0])

    def _before_due_steps(self, task: WatchedTask, regular: list[Recipient]) -> None:
        episode = task.due_episode
        for recipient in regular:
            state = self.states.get(
                (recipient.channel.pk, recipient.address, task.site_id, task.task_id, episode)
            )
            sent = None
            if state is not None and state.last_step is not None and is_before_due(state.last_step):
                sent = before_due_minutes(state.last_step)
            minutes = before_due_step_due(
                offsets=self.before, due=task.due_date, now=self.now, sent=sent
            )
            if minutes is not None:
                self.recipients[recipient.key] = recipient
                self.due[recipient.key].append(PlannedItem(task, before_due_step(minutes), episode))

    def _overdue_steps(
        self, task: WatchedTask, regular: list[Recipient], escalation: list[Recipient],
        further: list[Recipient],
    ) -> None:  # fmt: skip
        for recipient in regular:
            state = self.state(recipient, task)
            last = None
            if state is not None and state.last_step is not None and state.last_at is not None:
                last = Sent(step=state.last_step, at=state.last_at)
            step = next_step(timing=self.timing, became_at=task.became_at, now=self.now, last=last)
            self.recipients[recipient.key] = recipient
            if step is not None:
                self.due[recipient.key].append(PlannedItem(task, step))
            elif last is not None:
                self.context[recipient.key].append(task)  # reminded before, still open
        if (task.site_id, task.task_id, task.episode) in self.acknowledged:
            return  # someone took it on: no further level
        for recipient in escalation:
            state = self.state(recipient, task)
            escalated = state is not None and state.escalated_at is not None
            if escalation_due(
                timing=self.timing, became_at=task.became_at, now=self.now, escalated=escalated
            ):
                self.recipients[recipient.key] = recipient
                self.due[recipient.key].append(PlannedItem(task, ESCALATION))
        for recipient in further:
            state = self.state(recipient, task)
            escalated = state is not None and state.escalated_next_at is not None
            if escalation_next_due(
                timing=self.timing, next_after=self.next_after, became_at=task.became_at,
                now=self.now, escalated=escalated,
            ):  # fmt: skip
                self.recipients[recipient.key] = recipient
                self.due[recipient.key].append(PlannedItem(task, DeliveryItem.ESCALATION_NEXT))

    def deliveries(self) -> list[PlannedDelivery]:
        planned: list[PlannedDelivery] = []
        for key, items in self.due.items():
            recipient = self.recipients[key]
            items.sort(key=lambda i: (i.task.became_at, i.task.site_id, i.task.task_id))
            send_after = next_open(
                now=self.now, zone=ZoneInfo(recipient.time_zone), window=self.window
            )
            held = "quiet hours or a day off" if send_after > self.now else ""
            if self.rule.shape == Rule.Shape.TASK:
                for item in items:
                    planned.append(
                        PlannedDelivery(
                            self.rule, recipient, [item], [], send_after, held, Rule.Shape.TASK
                        )
                    )
                continue
            covered = {(i.task.site_id, i.task.task_id) for i in items}
            context = [
                t for t in self.context.get(key, []) if (t.site_id, t.task_id) not in covered
            ]
            context.sort(key=lambda t: (t.became_at, t.site_id, t.task_id))
            planned.append(
                PlannedDelivery(
                    self.rule, recipient, items, context, send_after, held, Rule.Shape.DIGEST
                )
            )
        return planned


def rule_plan(
    *, rule: Rule, tasks: list[WatchedTask], directory: Directory, now: datetime,
    site_ids: set[int] | None, states: dict[StateKey, StateRow] | None = None,
    acknowledged: set[AckKey] | None = None, covered: set[tuple[int, str]] | None = None,
) -> list[PlannedDelivery]:  # fmt: skip
    """``covered``, when given, gathers the overdue and late tasks the rule reaches someone
    about (timing aside)."""
    states = states_load(rule) if states is None else states
    planner = _RulePlanner(rule, directory, now, states, acknowledged or set())
    for task in tasks:
        if task.is_open and in_scope(rule, task, site_ids):
            planner.consider(task)
    if covered is not None:
        covered |= planner.covered
    return planner.deliveries()


def uncovered_by_site(*, tasks: list[WatchedTask], covered: set[tuple[int, str]]) -> dict[int, int]:
    """Open overdue tasks nobody is reminded of, counted per site."""
    counts: dict[int, int] = defaultdict(int)
    for task in tasks:
        if task.is_open and task.bucket == "overdue":
            if (task.site_id, task.task_id) not in covered:
                counts[task.site_id] += 1
    return counts


def uncovered_record(*, run: ScanRun, site_ids: list[int], counts: dict[int, int]) -> None:
    for site_id in site_ids:
        SiteScan.objects.filter(run=run, site_id=site_id).update(
            uncovered_count=counts.get(site_id, 0)
        )


def reminders_plan(
    *,
    tasks: list[WatchedTask],
    site_ids: list[int],
    now: datetime,
    run: ScanRun | None = None,
    dry_run: bool = False,
) -> list[PlannedDelivery]:
    """Plans (and unless ``dry_run`` writes and enqueues) every enabled rule's due reminders;
    with a run, books per site the overdue tasks no rule reaches anyone about."""
    planned_all: list[PlannedDelivery] = []
    covered: set[tuple[int, str]] = set()
    try:
        planned_all = _rules_plan(
            tasks=tasks, site_ids=site_ids, now=now, run=run, dry_run=dry_run, covered=covered
        )
    finally:
        if run is not None and not dry_run and site_ids:
            counts = uncovered_by_site(tasks=tasks, covered=covered)
            uncovered_record(run=run, site_ids=site_ids, counts=counts)
    return planned_all


def _rules_plan(
    *, tasks: list[WatchedTask], site_ids: list[int], now: datetime, run: ScanRun | None,
    dry_run: bool, covered: set[tuple[int, str]],
) -> list[PlannedDelivery]:  # fmt: skip
    from portal.notifications.services.deliveries import deliveries_create

    planned_all: list[PlannedDelivery] = []
    rules = list(
        Rule.objects.filter(enabled=True)
        .select_related("unassigned_channel", "escalate_next_channel", "person_channel")
        .prefetch_related("sites", "broadcast_channels")
    )
    if not rules or not site_ids:
        return planned_all
    directory = Directory(site_ids=site_ids, default_language="")
    acknowledged = acknowledged_load(site_ids)
    for rule in rules:
        scope = {s.pk for s in rule.sites.all()} or None
        if scope is not None:
            scope &= set(site_ids)
        if dry_run:
            planned_all += rule_plan(
                rule=rule, tasks=tasks, directory=directory, now=now, site_ids=scope,
                acknowledged=acknowledged, covered=covered,
            )  # fmt: skip
            continue
        try:
            with transaction.atomic():
                # Serialises planners of this rule: the second sees the first one's state.
                locked = Rule.objects.select_for_update().get(pk=rule.pk)
                states = states_load(locked)
                planned = rule_plan(
                    rule=locked, tasks=tasks, directory=directory, now=now, site_ids=scope,
                    states=states, acknowledged=acknowledged, covered=covered,
                )  # fmt: skip
                deliveries_create(planned=planned, run=run, now=now, states=states)
        except Rule.DoesNotExist:
            continue
        except Exception:
            # One rule's failure (a constraint, a bug) must not stop the other rules; its
            # steps stay due and the next run plans them again.
            log.exception("planning rule %s failed", rule.pk)
            continue
        planned_all += planned
    return planned_all
