//! Unit tests of the FHIR reader.
