"""Site answers are reused for a while, and a bump forgets one site's answers only."""

from portal.sites.services.cache import site_cache_bump, site_cached


def test_answers_are_reused_until_the_site_is_bumped(settings):
    settings.SITE_CACHE_SECONDS = 60
    calls = []

    def produce():
        calls.append(1)
        return ["task", len(calls)]

    first = site_cached(site_id=901, scope="u1", parts={"q": 1}, produce=produce)
    again = site_cached(site_id=901, scope="u1", parts={"q": 1}, produce=produce)
    other = site_cached(site_id=902, scope="u1", parts={"q": 1}, produce=produce)
    assert first == again == ["task", 1] and other == ["task", 2]
    site_cache_bump(901)
    assert site_cached(site_id=901, scope="u1", parts={"q": 1}, produce=produce) == ["task", 3]
    assert site_cached(site_id=902, scope="u1", parts={"q": 1}, produce=produce) == ["task", 2]


def test_scopes_and_arguments_do_not_share_entries(settings):
    settings.SITE_CACHE_SECONDS = 60
    answers = iter(range(10))
    first = site_cached(site_id=903, scope="alice", parts=[1], produce=lambda: next(answers))
    bob = site_cached(site_id=903, scope="bob", parts=[1], produce=lambda: next(answers))
    other = site_cached(site_id=903, scope="alice", parts=[2], produce=lambda: next(answers))
    assert (first, bob, other) == (0, 1, 2)


def test_zero_seconds_turns_the_cache_off(settings):
    settings.SITE_CACHE_SECONDS = 0
    answers = iter(range(10))
    assert [site_cached(site_id=904, scope="", parts=0, produce=lambda: next(answers))
            for _ in range(2)] == [0, 1]  # fmt: skip
