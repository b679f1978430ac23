"""Workflows: what a command does, from inputs to outputs, with the CLI as a thin layer on top."""
