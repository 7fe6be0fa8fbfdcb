"""The lessons that come with the app, each also reachable as ``?lesson=<name>``.

Both walk through the Prune page with only the sparsity slider visible; their questions
are answered by the numbers the page measures on the model in use.
"""

from __future__ import annotations

from compression.lessons.schema import LessonPlan, Question, Step, checked_plan

SPARSITY = "prune_sparsity"  # the link key of the target-sparsity slider
ONLY_SPARSITY = (SPARSITY,)

ZERO_COST = LessonPlan(
    "What does a zero cost?",
    (
        Step(
            "Pruning removes the weights with the smallest |W|. A removed weight is 0, so "
            "its 32-bit value need not be stored. But the file must still say where the "
            "kept weights are: the positions cost bits too. Here half of every layer's "
            "weights are removed.",
            "Prune",
            {SPARSITY: "0.5"},
            ONLY_SPARSITY,
            Question(
                "The sidebar gives the dense float32 size. What compressed size do you "
                "expect at 50% sparsity?",
                "size_kb",
            ),
        ),
        Step(
            "More than half of the dense size: at 50% sparsity every position needs its "
            "own bit (a bitmask), on top of the kept 32-bit values. With fewer weights "
            "kept, the file stores the gaps between kept weights instead, a few bits each. "
            "Now 90% of the weights are removed: one in ten is kept.",
            "Prune",
            {SPARSITY: "0.9"},
            ONLY_SPARSITY,
            Question("What compressed size do you expect at 90% sparsity?", "size_kb"),
        ),
        Step(
            "Still more than a tenth: each kept weight costs its 32-bit value plus the bits "
            "of its position. Open the tab 'Encoding per layer' below the histograms to see "
            "the position and value bytes of each layer, and move the slider: the nearer "
            "the sparsity comes to 100%, the larger the share of the file spent on saying "
            "where the few kept weights are.",
            "Prune",
            {SPARSITY: "0.95"},
            ONLY_SPARSITY,
        ),
    ),
)

WHY_RETRAIN = LessonPlan(
    "Why retrain?",
    (
        Step(
            "Pruning 95% of the weights keeps one in twenty: the largest ones. The others "
            "carried small parts of the answer, and together they mattered.",
            "Prune",
            {SPARSITY: "0.95"},
            ONLY_SPARSITY,
            Question(
                "What test accuracy do you expect at 95% sparsity, before any retraining, in %?",
                "accuracy",
            ),
        ),
        Step(
            "Now retrain: press 'Retrain with the compression held fixed' further down the "
            "page (one epoch on 10,000 images). The removed weights stay 0 all along; the "
            "kept ones learn to do the work of the removed ones.",
            "Prune",
            {SPARSITY: "0.95"},
            (),
            Question(
                "What test accuracy do you expect after retraining, at the same 95% "
                "sparsity, in %?",
                "retrained_accuracy",
            ),
        ),
        Step(
            "Retraining won back much of what pruning lost, and the file did not grow: "
            "the zeros stayed where they were. This is why Deep Compression (Han et al.) "
            "prunes and then retrains. Move the slider and retrain again at 90% or 99% to "
            "see where retraining stops being enough.",
            "Prune",
            {SPARSITY: "0.95"},
            ONLY_SPARSITY,
        ),
    ),
)

SHIPPED = {"zero-cost": checked_plan(ZERO_COST), "why-retrain": checked_plan(WHY_RETRAIN)}
