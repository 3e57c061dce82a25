#ifndef HERALD_CCURL_SHIMS_H
#define HERALD_CCURL_SHIMS_H

#include <curl/curl.h>

/// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
/// These wrappers fix the type of the third argument, one per kind of option.
CURLcode herald_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode herald_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode herald_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode herald_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode herald_curl_easy_setopt_write_function(CURL *handle, curl_write_callback callback);
CURLcode herald_curl_easy_setopt_read_function(CURL *handle, curl_read_callback callback);
CURLcode herald_curl_easy_setopt_header_function(CURL *handle, curl_write_callback callback);
CURLcode herald_curl_easy_setopt_xferinfo_function(CURL *handle, curl_xferinfo_callback callback);
CURLcode herald_curl_easy_setopt_opensocket_function(CURL *handle, curl_opensocket_callback callback);
CURLcode herald_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode herald_curl_easy_getinfo_string(CURL *handle, CURLINFO info, char **value);

#endif
