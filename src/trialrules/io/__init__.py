"""Reading and writing trialrules data: patient files and protocol documents."""
