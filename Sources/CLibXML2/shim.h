#ifndef SENDLEDGER_CLIBXML2_SHIM_H
#define SENDLEDGER_CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
// Debian's libxml2 is built with ICU; its headers then pull in ICU types that clash with the
// ones Foundation brings ("'UErrorCode' has different definitions"). We use no ICU API.
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlerror.h>
#endif
