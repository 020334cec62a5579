# The Flask tutorial's Dockerfile on a Python base made locally (BASE: the
# fixture built by examples/flask/build.sh: Debian + python3-flask).
ARG BASE
FROM $BASE
RUN python3 -c "import flask; print('flask', flask.__version__)"
WORKDIR /app
COPY app.py .
EXPOSE 5000
ENTRYPOINT ["python3"]
CMD ["app.py"]
