"""Experiments on finished runs: the full evaluation protocol and comparisons of runs.

This layer sits above :mod:`gan_course.train` (it trains, loads and reads runs through
:class:`~gan_course.run_dir.RunDir`) and :mod:`gan_course.metrics` (FID, Heusel et al.
2017, https://arxiv.org/abs/1706.08500; KID, Binkowski et al. 2018,
https://arxiv.org/abs/1801.01401), and below the command line and the book.

| module            | contents                                                                   |
|-------------------|----------------------------------------------------------------------------|
| ``evaluate``      | evaluate_run(run_dir): the full protocol of a run -> RUN_DIR/metrics.json  |
| ``compare``       | comparisons (configs/compare-*.yaml): train or reuse, evaluate, tabulate   |
| ``comparison_file`` | a comparison file read and checked: members, seeds, evaluation request   |
| ``seeds``         | comparisons over seeds: a run per seed, mean and std over seeds            |
| ``compare_plots`` | a comparison's figures: FID/KID/time bars, losses, class grids side by side |
| ``tracking``      | does a loss track quality: Spearman's rho of w_estimate / d_loss with FID   |
"""
