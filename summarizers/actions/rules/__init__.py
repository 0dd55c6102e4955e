"""The rule detectors: each reads the scope for one signal and yields candidate actions.

:mod:`summarizers.actions.specs` maps each playbook rule id to its detector.
"""
