package morecrms_test

func mailerLiteSpecs(w *world) {}
