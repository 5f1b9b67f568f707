"""Cascadia training-side package: DSP features, integer kernel reference, export tools."""
