#include <criterion/criterion.h>
Test(index_entry, placeholder) {}
