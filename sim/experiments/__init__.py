"""The model-agnostic sweep engine: specs, designs, executors, results store and analysis.

``gpps sweep experiments/NAME.toml`` runs a spec into ``results/NAME/``;
``gpps analyze results/NAME`` turns the results into tables, figures and a report.
"""
