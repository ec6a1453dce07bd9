"""aigym: which model, for which task, at what cost?"""
