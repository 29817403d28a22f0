"""Running the course: a learner's own copies of the notebooks in JupyterLab, the no-code pages
served to a room with Voila, and the offline bundle of wheels (the ``kpitools-course`` command).

Nothing here is imported by ``import kpitools``; the command imports it.
"""
