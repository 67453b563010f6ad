"""The figures of the manual's losses, drawn at build time from lossbook itself.

- `specs`: what each figure shows, as data: the loss function, its settings, the
  range of x and how the inputs are built from x.
- `labels`: every word of the figures and of their alt text, in English and Chinese.
- `points`: the values and derivatives of each curve, from the lossbook functions on
  the build's Keras backend.
- `draw`: the SVG of a figure.
- `render`: every figure of a language, after checking that each public loss has one.

The hook `mkdocs_hooks/loss_figures.py` puts them into the site as
`figures/<name>.svg`. Nothing here imports Keras until a curve is computed.
"""
