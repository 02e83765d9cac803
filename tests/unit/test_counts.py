import pytest

from campaign.campaigns.milestones import next_milestone


@pytest.mark.parametrize(
    ("count", "goal", "milestone"),
    [
        (0, 1000, 250),
        (249, 1000, 250),
        (250, 1000, 500),
        (999, 1000, 1000),
        (1000, 1000, None),
        (5000, 1000, None),
        (0, 2, 1),
    ],
)
def test_next_milestone_is_the_next_quarter_of_the_goal(count, goal, milestone):
    assert next_milestone(count, goal) == milestone
