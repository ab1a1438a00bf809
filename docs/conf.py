"""Sphinx configuration: Markdown pages (MyST) and an API reference from the docstrings."""

import tswarp

project = "tswarp"
author = "The tswarp developers"
release = version = tswarp.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
    "matplotlib.sphinxext.plot_directive",
]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence"]
exclude_patterns = ["_build", "benchmarks/*.json"]

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False

html_theme = "alabaster"
html_title = f"tswarp {version}"
