"""Tools for whoever writes stages: the skeleton/solution consistency rules,
patches (mutants, the skeleton's TODO regions), the scaffold, the Classroom
workflow and the integrity check. Nothing here runs while a learner is graded."""
