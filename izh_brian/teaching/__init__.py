"""Teaching: grade a student's own model (:mod:`.check`) and the checks the lessons call
(:mod:`.exercises`)."""
