"""Sphinx configuration: Markdown pages (MyST) and an API reference from the docstrings."""

import os

import tswarp

project = "tswarp"
author = "The tswarp developers"
copyright = f"2026, {author}"  # shown in every page's footer
release = version = tswarp.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinx.ext.viewcode",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "matplotlib.sphinxext.plot_directive",
]
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
source_suffix = {".md": "markdown"}
myst_enable_extensions = ["colon_fence", "dollarmath", "amsmath"]
exclude_patterns = ["_build", "benchmarks/*.json"]

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True}
# numpydoc loads autosummary; the API page uses none of its generated pages.
autosummary_generate = False
# The API page lists every member it shows by hand: no generated member tables.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Every public docstring is validated, and a failure is a build warning (an error under -W).
# Left out: GL08 (members without a docstring of their own, such as the backends' aliases of
# NumPy and torch functions), ES01 (an extended summary is not needed where one line says it),
# SA01 (See Also is given where it helps, not everywhere), EX01 (the examples live on the
# guide pages; short functions need none), RT02 (a named return value reads better here),
# PR09/RT05 (parameter and return descriptions may end with a shape or a value, not a period).
numpydoc_validation_checks = {"all", "GL08", "ES01", "SA01", "EX01", "RT02", "PR09", "RT05"}
# Cython strips a compiled function's docstring of its closing line break (GL02): the
# functions of the compiled kernels are checked for everything but that.
numpydoc_validation_overrides = {"GL02": [r"Tell whether the kernels were compiled"]}

html_theme = "alabaster"
# Wide enough for code of 88 columns beside the sidebar; wider code scrolls (_static).
html_theme_options = {"page_width": "1180px", "sidebar_width": "230px"}
html_title = f"tswarp {version}"

html_static_path = ["_static"]
html_css_files = ["tswarp.css"]

# Links to the documentation of the libraries tswarp works with (``:class:`numpy.ndarray```,
# ``:class:`torch.Tensor```, ...). Their inventories are fetched from the network while the
# documentation is built, and a failed fetch is a warning, which -W makes an error; so the
# links are made only when TSWARP_DOCS_INTERSPHINX=1 asks for them (a build with a network,
# such as the published one). Without it the same references render as plain code.
intersphinx_mapping = {}
if os.environ.get("TSWARP_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "scipy": ("https://docs.scipy.org/doc/scipy", None),
    }
intersphinx_timeout = 10

# MathJax is loaded from its CDN by the reader's browser. For a build read offline, point
# TSWARP_DOCS_MATHJAX at a local MathJax 2 (for example Debian's libjs-mathjax:
# file:///usr/share/javascript/mathjax/MathJax.js, or a path relative to _static); version
# 2 reads its configuration from the URL.
if os.environ.get("TSWARP_DOCS_MATHJAX"):
    mathjax_path = os.environ["TSWARP_DOCS_MATHJAX"] + "?config=TeX-AMS-MML_HTMLorMML"
    # MyST's settings are MathJax 3's; version 2 finds the formulas by itself.
    myst_update_mathjax = False
