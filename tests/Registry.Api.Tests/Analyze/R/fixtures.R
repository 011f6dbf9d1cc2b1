# Reference outputs for the `analyze` verb tests: writes R's bundled data sets as CSV and, for each case, the JSON
# that analyze.R (R's twin of the verb) prints for the same arguments. Run from the repository root:
#   Rscript tests/Registry.Api.Tests/Analyze/R/fixtures.R
# Written with R 4.2.2, survival 3.5-3, jsonlite 1.8.4.
suppressPackageStartupMessages(library(survival))
source("tests/Registry.Api.Tests/Analyze/R/analyze.R")

data_dir <- "tests/Registry.Api.Tests/Analyze/Data"
lung01 <- within(lung, status <- status - 1L)   # 1 = censored, 2 = dead  ->  0/1
write.csv(veteran, file.path(data_dir, "veteran.csv"), row.names = FALSE)
write.csv(ovarian, file.path(data_dir, "ovarian.csv"), row.names = FALSE)
write.csv(lung01, file.path(data_dir, "lung.csv"), row.names = FALSE)

# Each case: the verb's arguments (the CSV named relative to data_dir) and the file R's answer goes to.
cases <- list(
  veteran_celltype_strata_trt = c("--csv", "veteran.csv", "--time", "time", "--event", "status", "--group", "celltype",
                                  "--strata", "trt", "--covariates", "karno,age"),
  veteran_breslow_plain = c("--csv", "veteran.csv", "--time", "time", "--event", "status", "--group", "celltype",
                            "--reference", "squamous", "--strata", "prior", "--covariates", "karno",
                            "--ties", "breslow", "--conf-type", "plain"),
  ovarian_medians_not_reached = c("--csv", "ovarian.csv", "--time", "futime", "--event", "fustat", "--group", "rx",
                                  "--covariates", "age,ecog.ps", "--conf-type", "log-log"),
  lung_sex_age = c("--csv", "lung.csv", "--time", "time", "--event", "status", "--group", "sex", "--covariates", "age"))

for (id in names(cases)) {
  argv <- cases[[id]]
  args <- parse_args(argv)
  args$csv <- file.path(data_dir, args$csv)
  writeLines(toJSON(list(arguments = I(argv), expected = fromJSON(analyze(args), simplifyVector = FALSE)),
                    digits = NA, auto_unbox = TRUE, pretty = TRUE, na = "null", null = "null"),
             file.path(data_dir, paste0(id, ".json")))
}
