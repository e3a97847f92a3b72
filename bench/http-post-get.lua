-- wrk script: POST / with the Upstash JSON command ["GET","k"].
wrk.method = "POST"
wrk.body = '["GET","k"]'
wrk.headers["Content-Type"] = "application/json"
