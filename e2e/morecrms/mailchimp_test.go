package morecrms_test

func mailchimpSpecs(w *world) {}
