"""Files → CRMData: reading export files, presets (declarative data, one per CRM), value parsers,
validation rules and the quality report."""
