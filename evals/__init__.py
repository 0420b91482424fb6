"""Fact-question evals: question files, metric functions, the runner, reports and the CI gate."""
