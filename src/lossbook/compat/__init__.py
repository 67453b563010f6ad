"""Opt-in compatibility with the libraries lossbook replaces.

`import lossbook.compat.addons` lets Keras load models saved with TensorFlow
Addons losses; nothing here is imported by `import lossbook`.
"""
