"""Tools for whoever writes stages: the skeleton/solution consistency rules,
patches (mutants, the skeleton's TODO regions), the scaffold, the Classroom
workflow, and the commands that run them. Nothing here runs while a learner is
graded."""
