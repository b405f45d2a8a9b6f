"""Executed notebooks and exported dossiers: papermill and nbconvert in-process."""
