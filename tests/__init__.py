"""Tests of the Victron VE.Bus integration and its bundled client."""
