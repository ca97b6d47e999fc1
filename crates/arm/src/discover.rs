//! Directory inputs: finding templates and their parameter files.
